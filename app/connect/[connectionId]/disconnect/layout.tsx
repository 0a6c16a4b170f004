// Refuses a hand-off session with a 404 before this page's loading boundary streams (see ../path-layout.tsx).
export { default } from "../path-layout";
