// incidents.js - the incidents page (being built: the placeholder until then).
export { render } from "./placeholder.js";
