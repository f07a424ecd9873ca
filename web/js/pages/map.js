// map.js - the map page (being built: the placeholder until then).
export { render } from "./placeholder.js";
