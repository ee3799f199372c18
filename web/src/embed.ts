// The embeddable web component alone: <script type="module" src="https://ORFEVRE/embed.js">
// then <orfevre-configurator base="moments-bracelet" api="https://ORFEVRE"></orfevre-configurator>.
export { Configurator } from './configurator';
