import { ConnectionDetail } from "./connection-detail";

export default async function SupportConnectionPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  return <ConnectionDetail connectionId={id} />;
}
