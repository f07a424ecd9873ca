// operations.js - the operations page (being built: the placeholder until then).
export { render } from "./placeholder.js";
