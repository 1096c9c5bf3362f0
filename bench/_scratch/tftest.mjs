import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
console.log(tf.version_core);
await tf.setBackend('wasm'); await tf.ready();
console.log(tf.getBackend());
const a = tf.randomNormal([4096,768]);
let t0=performance.now();
for (let i=0;i<5;i++){ const r = tf.tidy(()=>tf.sum(a)); r.dataSync(); r.dispose(); }
console.log((performance.now()-t0)/5);
