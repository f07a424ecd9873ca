// admin.js - the admin page (being built: the placeholder until then).
export { render } from "./placeholder.js";
