// exchange.js - the exchange page (being built: the placeholder until then).
export { render } from "./placeholder.js";
