// Panel 1: the Keras playground. Reads the form, calls the loss, the 'none' reduction and the
// gradient, and shows each result (or the error message) as the user types.
import { $, el, nested, num } from './format.mjs';

const REDUCTIONS = {
  keras2: ['auto', 'sum_over_batch_size', 'sum', 'none'],
  keras3: ['sum_over_batch_size', 'sum', 'none', 'mean', 'mean_with_sample_weight'],
};
const DOC_T = '[[0, 1], [1, 1]]', DOC_P = '[[1, 0], [1, 1]]';
const PRESETS = [
  { name: 'docs: axis=1', t: DOC_T, p: DOC_P, w: '', axis: '1', reduction: 'auto' },
  { name: 'docs: weighted', t: DOC_T, p: DOC_P, w: '[0.8, 0.2]', axis: '1', reduction: 'auto' },
  { name: "docs: 'sum'", t: DOC_T, p: DOC_P, w: '', axis: '1', reduction: 'sum' },
  { name: "docs: 'none'", t: DOC_T, p: DOC_P, w: '', axis: '1', reduction: 'none' },
  { name: 'docs: cosine_similarity()', t: '[[0, 1], [1, 1], [1, 1]]', p: '[[1, 0], [1, 1], [-1, -1]]', w: '', axis: '1', reduction: 'none' },
  { name: 'zero vector', t: '[[0, 0], [1, 1]]', p: '[[1, 0], [1, 1]]', w: '', axis: '-1', reduction: 'none' },
  { name: 'broadcast [1,d]×[n,d]', t: '[[1, 2, 3]]', p: '[[1, 2, 3], [3, 2, 1], [-1, -2, -3]]', w: '', axis: '-1', reduction: 'none' },
  { name: 'weight that broadcasts', t: '[[[1, 0], [0, 1], [1, 1]], [[1, 0], [0, 1], [1, 1]]]',
    p: '[[[1, 0], [1, 0], [1, 0]], [[0, 1], [0, 1], [0, 1]]]', w: '[1, 0.5]', axis: '-1', reduction: 'sum_over_batch_size' },
  { name: 'tiny norm (ε floor)', t: '[[3e-7, 4e-7]]', p: '[[3, 4]]', w: '', axis: '-1', reduction: 'auto' },
  { name: 'bad shape', t: '[[1, 2, 3]]', p: '[[1, 2], [3, 4]]', w: '', axis: '1', reduction: 'auto' },
];

export function initPlayground(cossim, state) {
  const { CosineSimilarity } = cossim;
  const ids = ['pg-ytrue', 'pg-ypred', 'pg-weight', 'pg-axis', 'pg-reduction', 'pg-flavor'];
  const fillReductions = (keep) => {
    const sel = $('pg-reduction');
    const list = REDUCTIONS[$('pg-flavor').value];
    sel.replaceChildren(...list.map((r) => el('option', { value: r }, r)));
    sel.value = list.includes(keep) ? keep : list[0];
  };
  fillReductions('auto');

  const presetBox = $('pg-presets');
  for (const pr of PRESETS) {
    presetBox.append(el('button', {
      type: 'button',
      'data-preset': pr.name,
      onclick: () => {
        $('pg-ytrue').value = pr.t; $('pg-ypred').value = pr.p; $('pg-weight').value = pr.w; $('pg-axis').value = pr.axis;
        if (pr.reduction === 'auto' && $('pg-flavor').value === 'keras3') $('pg-flavor').value = 'keras2';
        fillReductions(pr.reduction);
        for (const b of presetBox.children) b.classList.toggle('active', b.dataset.preset === pr.name);
        update();
      },
    }, pr.name));
  }

  const parse = (id, what) => {
    const text = $(id).value.trim();
    try {
      return JSON.parse(text);
    } catch {
      throw new SyntaxError(`${what} is not valid JSON: ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`);
    }
  };

  function update() {
    const err = $('pg-error');
    const box = $('pg-result');
    try {
      const yTrue = parse('pg-ytrue', 'y_true');
      const yPred = parse('pg-ypred', 'y_pred');
      const wText = $('pg-weight').value.trim();
      const weight = wText === '' ? undefined : parse('pg-weight', 'sample_weight');
      const axis = parse('pg-axis', 'axis');
      const flavor = $('pg-flavor').value;
      const reduction = $('pg-reduction').value;
      const options = flavor === 'keras3' ? { axis, reduction, flavor } : { axis, reduction };
      const loss = new CosineSimilarity(options);
      const value = loss.call(yTrue, yPred, weight);
      const perSample = new CosineSimilarity({ ...options, reduction: 'none' }).call(yTrue, yPred, weight);
      const grad = loss.gradient(yTrue, yPred, weight);
      const config = loss.getConfig();
      const shown = typeof value === 'number' ? num(value) : nested(value);
      $('pg-loss').textContent = shown;
      $('pg-none').textContent = `${nested(perSample)}  shape [${perSample.shape}]`;
      $('pg-grad').textContent = nested(grad);
      $('pg-config').textContent = JSON.stringify(config).replace(/":/g, '": ').replace(/,"/g, ', "');
      const opt = JSON.stringify(options).replace(/"(\w+)":/g, '$1: ').replace(/,/g, ', ').replace(/"/g, "'");
      $('pg-code').textContent = `new CosineSimilarity(${opt.replace('{', '{ ').replace(/}$/, ' }')})` +
        `.call(yTrue, yPred${weight === undefined ? '' : `, ${JSON.stringify(weight)}`})`;
      box.classList.remove('stale');
      err.hidden = true;
      state.playground = { loss: shown, value, perSample: Array.from(perSample.data), grad: Array.from(grad.data), config, error: null };
    } catch (e) {
      box.classList.add('stale');
      err.hidden = false;
      err.textContent = `${e.name}: ${e.message}`;
      state.playground = { error: `${e.name}: ${e.message}` };
    }
  }
  for (const id of ids) $(id).addEventListener('input', update);
  $('pg-flavor').addEventListener('change', () => { fillReductions($('pg-reduction').value); update(); });
  presetBox.children[0].click();
}
