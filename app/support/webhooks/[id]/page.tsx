import { EndpointDeliveries } from "./endpoint-deliveries";

export default async function SupportEndpointDeliveriesPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  return <EndpointDeliveries endpointId={id} />;
}
