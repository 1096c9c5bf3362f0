import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm'); await tf.ready();
console.log('simd', await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), 'mt', await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
const n=100000,d=768;
const data=new Float32Array(n*d); for(let i=0;i<data.length;i++) data[i]=Math.random()-0.5;
const X=tf.tensor2d(data,[n,d]); const q=tf.tensor2d(data.subarray(0,d),[1,d]);
const eps=1e-12;
const norm=(x)=>tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x),-1,true),eps)));
const XnT = tf.tidy(()=>tf.transpose(norm(X)));
function A(){ return tf.tidy(()=>tf.matMul(norm(q), tf.transpose(norm(X)))); }
function B(){ return tf.tidy(()=>tf.matMul(norm(q), XnT)); }
function C(){ return tf.tidy(()=>tf.reshape(tf.matMul(norm(X), tf.reshape(norm(q),[d,1])),[n])); }
function D(){ return tf.tidy(()=>tf.mul(tf.reshape(tf.matMul(X, tf.reshape(norm(q),[d,1])),[n]), tf.rsqrt(tf.maximum(tf.sum(tf.square(X),-1),eps)))); }
for (const [name,f] of Object.entries({A,B,C,D})) {
  for (let r=0;r<3;r++){ const t0=performance.now(); const y=f(); const v=y.dataSync(); y.dispose(); console.log(name,(performance.now()-t0).toFixed(1),v[0], v[1]); }
}
console.log(tf.memory());
