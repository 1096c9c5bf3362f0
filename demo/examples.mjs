// The Keras documentation examples of tf.keras.losses.CosineSimilarity, run through cossim and
// printed beside the values Keras documents (float32) — see shared/keras-semantics.md §8.
import { ready, backend, CosineSimilarity, losses } from 'cossim';

await ready();
console.log(`cossim backend: ${backend()}\n`);

const yTrue = [[0, 1], [1, 1]];
const yPred = [[1, 0], [1, 1]];
const rows = [];
// The shortest decimal that reads back as the same float32 (how Keras/NumPy print float32).
const f32 = (x) => {
  if (Object.is(x, -0)) return '-0';
  for (let p = 1; p <= 9; p++) if (Math.fround(Number(x.toPrecision(p))) === x) return String(Number(x.toPrecision(p)));
  return String(x);
};
const list = (a) => `[${Array.from(a, f32).join(', ')}]`;
const show = (what, got, keras) => rows.push({ example: what, cossim: got, keras });

const loss = new CosineSimilarity({ axis: 1 });
show("CosineSimilarity({ axis: 1 }) — reduction 'auto'", f32(loss.call(yTrue, yPred)), -0.5);
show('… with sample_weight [0.8, 0.2]', f32(loss.call(yTrue, yPred, [0.8, 0.2])), -0.0999);
show("reduction 'sum'", f32(new CosineSimilarity({ axis: 1, reduction: 'sum' }).call(yTrue, yPred)), -0.999);
const none = new CosineSimilarity({ axis: 1, reduction: 'none' }).call(yTrue, yPred);
show("reduction 'none'", list(none.data), '[-0., -0.999]');
const fn = losses.cosineSimilarity([[0, 1], [1, 1], [1, 1]], [[1, 0], [1, 1], [-1, -1]], 1);
show('losses.cosineSimilarity(…, axis 1)', list(fn.data), '[-0., -0.999, 0.999]');

for (const r of rows) console.log(`${r.example.padEnd(52)} cossim: ${String(r.cossim).padEnd(24)} Keras docs: ${r.keras}`);
console.log('\nKeras prints float32 values rounded (e.g. -0.999 for -0.99999994); cossim rounds a float64');
console.log('accumulation to float32 once, so it prints -1 where Keras has -0.99999994 (within 1e-7).');
