// The TF.js the training page uses, bundled from node_modules by run.mjs (esbuild): tfjs-core
// with its gradients (which its own bundles leave out), the cpu and wasm backends and
// tfjs-layers, one tfjs-core instance for all of them.
export * from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
export { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
export * as tfl from '@tensorflow/tfjs-layers';
