/* charrnn.js: a charrnn-fastai character model (LSTM, GRU or vanilla RNN) running in the page, with no library.

   web.py (charrnn_fastai.web) embeds two pieces of data before this script:
     <script type="application/json" id="charrnn-model">   config, vocab, tensor index, history, metadata, text
     <script type="application/octet-stream" id="charrnn-weights">   every tensor, fp16 or fp32, little-endian, base64
   This file reads them once, lays the weights out for fast single steps, exposes `window.charrnn` with the Python
   names (sample, char_surprise, score, top_guesses, activations) and builds the page from the data, inserting every
   piece of text with textContent (never as HTML).

   The numbers follow the PyTorch model exactly (sections 2-4). The equations of one step, per layer:
     LSTM  [i f g o] = W_ih x + b_ih + W_hh h + b_hh;  i,f,o = sigmoid, g = tanh
           c = f*c + i*g;  h = o*tanh(c)
     GRU   [r z] = sigmoid(W_ir,z x + b_ir,z + W_hr,z h + b_hr,z)
           n = tanh(W_in x + b_in + r*(W_hn h + b_hn));  h = (1-z)*n + z*h
     RNN   h = tanh(W_xh x + b + W_hh h)
   then logits = W_head h_top + b_head. Every product is accumulated in double precision (JS numbers). */
(function () {
'use strict';

// ---------------------------------------------------------------------------------------------------------------
// 1. Weights: base64 text -> bytes -> one Float32Array per tensor
// ---------------------------------------------------------------------------------------------------------------

function base64ToBytes(b64) {
  const bin = atob(b64), out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// IEEE 754 half precision: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits.
function halfToFloat(bits) {
  const sign = bits & 0x8000 ? -1 : 1, exp = (bits >> 10) & 0x1f, frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;                // zero and subnormals: frac/1024 * 2^-14
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let HALF_TABLE = null;   // all 65,536 halves decoded once: faster than decoding ~10^6 weights one by one

function decodeTensor(bytes, offset, count, dtype) {
  const out = new Float32Array(count);
  if (dtype === 'fp16') {
    if (!HALF_TABLE) {
      HALF_TABLE = new Float32Array(65536);
      for (let b = 0; b < 65536; b++) HALF_TABLE[b] = halfToFloat(b);
    }
    for (let i = 0, p = offset; i < count; i++, p += 2) out[i] = HALF_TABLE[bytes[p] | (bytes[p + 1] << 8)];
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0, p = offset; i < count; i++, p += 4) out[i] = view.getFloat32(p, true);
  }
  return out;
}

function decodeWeights(index, b64) {
  const bytes = base64ToBytes(b64), T = {};
  for (const t of index.tensors) {
    T[t.name] = decodeTensor(bytes, t.offset, t.shape.reduce((a, b) => a * b, 1), index.dtype);
  }
  return T;
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Lay the weights out for one step at a time
// ---------------------------------------------------------------------------------------------------------------

const N_GATES = {lstm: 4, gru: 3, rnn: 1};   // rows of W_ih per hidden unit: i,f,g,o / r,z,n / h (PyTorch's order)
const STATES = {lstm: ['h', 'c', 'i', 'f', 'g', 'o'], gru: ['h', 'r', 'z', 'n'], rnn: ['h']};

// The first layer only ever sees V different inputs, so W_ih x + bias is a table of V rows, computed once.
function inputTable(W_ih, bias, embed, V, nIn, rows) {
  const table = new Float64Array(V * rows);
  for (let v = 0; v < V; v++) {
    for (let r = 0; r < rows; r++) {
      let s = bias[r];
      if (embed) { for (let k = 0; k < nIn; k++) s += W_ih[r * nIn + k] * embed[v * nIn + k]; }  // W_ih @ embed[v]
      else s += W_ih[r * nIn + v];                                                                // one-hot: column v
      table[v * rows + r] = s;
    }
  }
  return table;
}

// [A | B]: rows of A (cols a) followed by rows of B (cols b) side by side, so [W_ih | W_hh] @ [x; h] is one product.
function sideBySide(A, B, rows, a, b) {
  const out = new Float32Array(rows * (a + b));
  for (let r = 0; r < rows; r++) {
    out.set(A.subarray(r * a, (r + 1) * a), r * (a + b));
    out.set(B.subarray(r * b, (r + 1) * b), r * (a + b) + a);
  }
  return out;
}

function prepare(config, T) {
  const arch = config.arch, V = config.vocab_sz, H = config.n_hidden, L = config.n_layers, GH = N_GATES[arch] * H;
  const nIn = config.one_hot ? V : config.emb_sz, embed = config.one_hot ? null : T['embed.weight'];
  const layers = [];
  for (let l = 0; l < L; l++) {
    const W_ih = arch === 'rnn' ? T[`rnn.W_xh.${l}.weight`] : T[`rnn.weight_ih_l${l}`];
    const b_ih = arch === 'rnn' ? T[`rnn.W_xh.${l}.bias`] : T[`rnn.bias_ih_l${l}`];
    const W_hh = arch === 'rnn' ? T[`rnn.W_hh.${l}.weight`] : T[`rnn.weight_hh_l${l}`];
    const b_hh = arch === 'rnn' ? null : T[`rnn.bias_hh_l${l}`];
    // LSTM and RNN: both biases add up front. GRU: b_hh stays with W_hh h, because r multiplies (W_hn h + b_hn).
    const bias = new Float64Array(GH);
    for (let r = 0; r < GH; r++) bias[r] = b_ih[r] + (b_hh && arch !== 'gru' ? b_hh[r] : 0);
    const layer = {};
    if (l === 0) { layer.table = inputTable(W_ih, bias, embed, V, nIn, GH); layer.W_hh = W_hh; }
    else if (arch === 'gru') { layer.W_ih = W_ih; layer.b_ih = bias; layer.W_hh = W_hh; }
    else { layer.W = sideBySide(W_ih, W_hh, GH, H, H); layer.b = bias; }
    if (arch === 'gru') layer.b_hh = Float64Array.from(b_hh);
    layers.push(layer);
  }
  const headW = config.tie_weights ? embed : T['head.weight'];
  return {arch, V, H, L, GH, layers, headW, headB: Float64Array.from(T['head.bias'])};
}

// ---------------------------------------------------------------------------------------------------------------
// 3. The arithmetic: matrix-vector product, nonlinearities, softmax
// ---------------------------------------------------------------------------------------------------------------

// out[r] = add[addAt + r] + sum_k W[r, k] * x[k], W row-major (rows, cols). Four rows at a time: each x[k] is loaded
// once for four contiguous rows, and the four running sums let the CPU overlap the multiply-adds (about twice the
// speed of one row at a time in V8).
function matvec(W, rows, cols, x, out, add, addAt) {
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const o0 = r * cols, o1 = o0 + cols, o2 = o1 + cols, o3 = o2 + cols;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let k = 0; k < cols; k++) {
      const xk = x[k];
      s0 += W[o0 + k] * xk; s1 += W[o1 + k] * xk; s2 += W[o2 + k] * xk; s3 += W[o3 + k] * xk;
    }
    out[r] = add[addAt + r] + s0; out[r + 1] = add[addAt + r + 1] + s1;
    out[r + 2] = add[addAt + r + 2] + s2; out[r + 3] = add[addAt + r + 3] + s3;
  }
  for (; r < rows; r++) {                                                      // the last rows < 4
    let s = 0;
    for (let k = 0, o = r * cols; k < cols; k++) s += W[o + k] * x[k];
    out[r] = add[addAt + r] + s;
  }
}

const sigmoid = z => 1 / (1 + Math.exp(-z));
const tanh = Math.tanh;

function logSoftmax(z, out) {
  let m = -Infinity;
  for (let v = 0; v < z.length; v++) if (z[v] > m) m = z[v];
  let s = 0;
  for (let v = 0; v < z.length; v++) s += Math.exp(z[v] - m);
  const lse = m + Math.log(s);
  for (let v = 0; v < z.length; v++) out[v] = z[v] - lse;
  return out;
}

function softmax(z, out) {
  logSoftmax(z, out);
  for (let v = 0; v < z.length; v++) out[v] = Math.exp(out[v]);
  return out;
}

function argmax(z) {   // the first index of the largest value, as torch.argmax
  let best = 0;
  for (let v = 1; v < z.length; v++) if (z[v] > z[best]) best = v;
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// 4. One step: feed a character id, update each layer's state; the head turns the top state into logits
// ---------------------------------------------------------------------------------------------------------------

// A stream: the hidden state of every layer and scratch buffers; `post[l]` keeps layer l's gate values of the last
// step (i,f,g,o / r,z,n) for `activations`. In the layer steps below, P is the layer's prepared weights.
function newStream(net) {
  const {H, L, GH} = net, z = () => new Float64Array(H);
  return {h: Array.from({length: L}, z), c: Array.from({length: L}, z), pre: new Float64Array(GH),
          preH: new Float64Array(GH), xh: new Float64Array(2 * H),
          post: Array.from({length: L}, () => new Float64Array(GH)),
          logits: new Float64Array(net.V), fed: 0};
}

function lstmLayer(net, P, l, s, id, x) {
  const {H, GH} = net, pre = s.pre, h = s.h[l], c = s.c[l], post = s.post[l];
  if (l === 0) matvec(P.W_hh, GH, H, h, pre, P.table, id * GH);                 // table[id] + W_hh h
  else { s.xh.set(x, 0); s.xh.set(h, H); matvec(P.W, GH, 2 * H, s.xh, pre, P.b, 0); }   // [W_ih|W_hh][x;h] + b
  for (let j = 0; j < H; j++) {
    const i = sigmoid(pre[j]), f = sigmoid(pre[H + j]), g = tanh(pre[2 * H + j]), o = sigmoid(pre[3 * H + j]);
    c[j] = f * c[j] + i * g;
    h[j] = o * tanh(c[j]);
    post[j] = i; post[H + j] = f; post[2 * H + j] = g; post[3 * H + j] = o;
  }
}

function gruLayer(net, P, l, s, id, x) {
  const {H, GH} = net, h = s.h[l], gh = s.preH, post = s.post[l];
  let gi = s.pre, at = 0;
  if (l === 0) { gi = P.table; at = id * GH; }                                 // table[id] = W_ih x + b_ih
  else matvec(P.W_ih, GH, H, x, gi, P.b_ih, 0);
  matvec(P.W_hh, GH, H, h, gh, P.b_hh, 0);                                     // W_hh h + b_hh
  for (let j = 0; j < H; j++) {
    const r = sigmoid(gi[at + j] + gh[j]), z = sigmoid(gi[at + H + j] + gh[H + j]);
    const n = tanh(gi[at + 2 * H + j] + r * gh[2 * H + j]);
    h[j] = (1 - z) * n + z * h[j];
    post[j] = r; post[H + j] = z; post[2 * H + j] = n;
  }
}

function rnnLayer(net, P, l, s, id, x) {
  const H = net.H, pre = s.pre, h = s.h[l];
  if (l === 0) matvec(P.W_hh, H, H, h, pre, P.table, id * H);
  else { s.xh.set(x, 0); s.xh.set(h, H); matvec(P.W, H, 2 * H, s.xh, pre, P.b, 0); }
  for (let j = 0; j < H; j++) h[j] = tanh(pre[j]);
}

const LAYER_STEP = {lstm: lstmLayer, gru: gruLayer, rnn: rnnLayer};

// Feed character `id` through layers 0..upTo (default: all).
function feed(net, s, id, upTo = net.L - 1) {
  const layerStep = LAYER_STEP[net.arch];
  for (let l = 0; l <= upTo; l++) layerStep(net, net.layers[l], l, s, id, l > 0 ? s.h[l - 1] : null);
  s.fed++;
}

// logits = W_head h_top + b_head
function head(net, s) {
  matvec(net.headW, net.V, net.H, s.h[net.L - 1], s.logits, net.headB, 0);
  return s.logits;
}

// ---------------------------------------------------------------------------------------------------------------
// 5. Random numbers and picking the next character
// ---------------------------------------------------------------------------------------------------------------

// A seeded generator: a counter stepped by the golden-ratio constant, each value scrambled by murmur3's finaliser.
function seededRandom(seed) {
  let state = hashSeed(seed);
  return function () {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;   // in [0, 1)
  };
}

function hashSeed(seed) {
  if (seed === null || seed === undefined) return (crypto.getRandomValues(new Uint32Array(1))[0]) | 0;
  const s = String(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

// As `filter_logits` in decode.py: scores z = logits / T; keep the top_k highest, then the smallest set of most
// likely characters holding top_p of the probability; draw from the softmax of what is left.
function pickChar(logits, opt, rand) {
  const {temperature, top_k, top_p} = opt, V = logits.length;
  if (temperature === 0 || top_k === 1) return argmax(logits);                 // greedy
  const z = new Float64Array(V);
  for (let v = 0; v < V; v++) z[v] = logits[v] / temperature;
  if (top_k && top_k < V) {                                                   // exactly k: on a tie, the lower index
    const order = Array.from(z.keys()).sort((a, b) => z[b] - z[a] || a - b);
    for (const v of order.slice(top_k)) z[v] = -Infinity;
  }
  if (top_p !== null && top_p !== undefined && top_p < 1) {
    const order = Array.from(z.keys()).sort((a, b) => z[b] - z[a] || a - b), p = softmax(z, new Float64Array(V));
    let before = 0;                                                            // mass of the characters ranked above
    for (const v of order) { const pv = p[v]; if (before >= top_p) z[v] = -Infinity; before += pv; }
  }
  const p = softmax(z, new Float64Array(V));
  let u = rand(), last = 0;
  for (let v = 0; v < V; v++) {
    if (p[v] > 0) { last = v; u -= p[v]; if (u < 0) return v; }
  }
  return last;                                                                 // rounding left u a hair above 0
}

// ---------------------------------------------------------------------------------------------------------------
// 6. The model API, with Python's names: sample, char_surprise, score, top_guesses, activations
// ---------------------------------------------------------------------------------------------------------------

let NET = null, ITOS = null, STOI = null;

const chars = text => Array.from(String(text));                               // code points, like a Python str
const idOf = ch => (STOI.has(ch) ? STOI.get(ch) : -1);                          // -1: a character the model never saw
function startChar() { return STOI.has('\n') ? '\n' : STOI.has(' ') ? ' ' : ITOS[0]; }

function checkReady() { if (!NET) throw new Error('charrnn: the model is not loaded yet; wait for charrnn.ready.'); }

function checkSampleArgs(o) {
  const bad = m => { throw new Error('charrnn.sample: ' + m); };
  if (!Number.isInteger(o.n) || o.n < 0) bad(`n=${o.n}: use an integer >= 0.`);
  if (typeof o.temperature !== 'number' || !isFinite(o.temperature) || o.temperature < 0)
    bad(`temperature=${o.temperature}: use 0 (greedy) or a positive number.`);
  if (o.top_k !== null && (!Number.isInteger(o.top_k) || o.top_k < 1))
    bad(`top_k=${o.top_k}: use an integer >= 1 (1 is greedy), or null.`);
  if (o.top_p !== null && !(o.top_p > 0 && o.top_p <= 1)) bad(`top_p=${o.top_p}: use a number in (0, 1], or null.`);
}

// A generator of new characters: feeds the prime's known characters (or `startChar` when there are none), then
// picks and feeds one character per step. `next(k)` returns up to k more characters ('' when done).
function makeSampler(opts = {}) {
  checkReady();
  const o = {prime: '', n: 500, temperature: 0.8, top_k: null, top_p: null, seed: null, ...opts};
  for (const k of ['top_k', 'top_p', 'seed']) if (o[k] === undefined || o[k] === '') o[k] = null;
  checkSampleArgs(o);
  const s = newStream(NET), rand = seededRandom(o.seed);
  let ids = chars(o.prime).map(idOf).filter(i => i >= 0);
  if (!ids.length) ids = [idOf(startChar())];
  for (const id of ids) feed(NET, s, id);
  let logits = head(NET, s), done = 0;
  return {
    prime: String(o.prime), n: o.n,
    next(k) {
      let out = '';
      for (; k > 0 && done < o.n; k--) {
        const id = pickChar(logits, o, rand);
        out += ITOS[id];
        if (++done < o.n) { feed(NET, s, id); logits = head(NET, s); }      // the last character needs no step
      }
      return out;
    },
    get done() { return done >= o.n; },
  };
}

function sample(opts = {}) {
  const sm = makeSampler(opts);
  return sm.prime + sm.next(sm.n);
}

// One pass over `text`, resumable in slices (for the page): feeds each known character, skipping unknown ones, and
// keeps what was asked: surprise (nats) of each next character, the k likeliest next characters, states of a layer.
function makeReader(text, {surprise = false, k = 0, layer = null, states = []} = {}) {
  checkReady();
  const cs = chars(text), n = cs.length, ids = cs.map(idOf), net = NET, s = newStream(net), H = net.H;
  const lp = new Float64Array(net.V);
  const wantHead = surprise || k > 0, upTo = wantHead ? net.L - 1 : layer;
  const res = {n, ids, chars: cs,
               surprise: surprise ? new Float64Array(Math.max(n - 1, 0)).fill(NaN) : null,
               guessIds: k ? new Int32Array(n * k).fill(-1) : null,
               guessP: k ? new Float64Array(n * k).fill(NaN) : null,
               states: {}};
  for (const st of states) res.states[st] = new Float32Array(n * H).fill(NaN);
  let t = 0;
  res.step = function (budget) {          // process up to `budget` characters; true when the pass is over
    for (const end = Math.min(n, t + budget); t < end; t++) {
      const id = ids[t];
      if (id >= 0) {
        feed(net, s, id, upTo);
        for (const st of states) {
          const dst = res.states[st], at = t * H;
          if (st === 'h') dst.set(s.h[layer], at);
          else if (st === 'c') dst.set(s.c[layer], at);
          else {
            const off = STATES[net.arch].indexOf(st) - (net.arch === 'lstm' ? 2 : 1);
            dst.set(s.post[layer].subarray(off * H, (off + 1) * H), at);
          }
        }
      }
      if (!wantHead || s.fed === 0) continue;                                  // nothing fed yet: no prediction
      if (id >= 0) logSoftmax(head(net, s), lp);                               // after an unknown one, lp is unchanged
      if (surprise && t + 1 < n && ids[t + 1] >= 0) res.surprise[t] = -lp[ids[t + 1]];
      if (k) topK(lp, k, res.guessIds, res.guessP, t * k);
    }
    res.at = t;                           // characters read so far
    return t >= n;
  };
  return res;
}

function topK(lp, k, idsOut, pOut, at) {   // the k largest of lp, largest first (the first index on ties)
  const order = Array.from(lp.keys()).sort((a, b) => lp[b] - lp[a] || a - b);
  for (let j = 0; j < k; j++) { idsOut[at + j] = order[j]; pOut[at + j] = Math.exp(lp[order[j]]); }
}

function readAll(text, what) { const r = makeReader(text, what); r.step(Infinity); return r; }

// Surprise in nats, -log p(text[i+1] | text[..i]), for each character after the first (NaN where the character
// is unknown to the model, or nothing known came before it).
function char_surprise(text) {
  if (chars(text).length < 2) throw new Error('charrnn.char_surprise: the text needs at least 2 characters.');
  return Array.from(readAll(text, {surprise: true}).surprise);
}

function score(text) {
  const s = char_surprise(text).filter(Number.isFinite);
  if (!s.length) throw new Error('charrnn.score: no character the model knows follows another one in this text.');
  const nats = s.reduce((a, b) => a + b, 0) / s.length;
  return {nats_per_char: nats, bits_per_char: nats / Math.LN2, perplexity: Math.exp(nats), n_chars: s.length};
}

// The k likeliest next characters after each character: [chars, probs], each a list of len(text) rows of k (null
// rows before the first known character).
function top_guesses(text, k = 5) {
  checkReady();
  if (!Number.isInteger(k) || k < 1 || k > NET.V)
    throw new Error(`charrnn.top_guesses: k=${k}: use an integer from 1 to ${NET.V}.`);
  const r = readAll(text, {k}), c = [], p = [];
  for (let t = 0; t < r.n; t++) {
    if (r.guessIds[t * k] < 0) { c.push(null); p.push(null); continue; }
    c.push(Array.from(r.guessIds.subarray(t * k, (t + 1) * k), i => ITOS[i]));
    p.push(Array.from(r.guessP.subarray(t * k, (t + 1) * k)));
  }
  return [c, p];
}

function checkLayer(layer) {
  const L = NET.L;
  if (!Number.isInteger(layer) || layer < -L || layer >= L)
    throw new Error(`charrnn: layer=${layer}: the model has ${L} layer(s); use 0 to ${L - 1}, or -1 for the top.`);
  return ((layer % L) + L) % L;
}

// Every state of one layer at every character: {name: len(text) rows of n_hidden numbers}, names in STATES[arch]
// (rows of NaN at characters the model does not know).
function activations(text, layer = -1) {
  checkReady();
  const l = checkLayer(layer), sts = STATES[NET.arch], r = readAll(text, {layer: l, states: sts}), H = NET.H, out = {};
  for (const st of sts) {
    out[st] = Array.from({length: r.n}, (_, t) => Array.from(r.states[st].subarray(t * H, (t + 1) * H)));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// 7. Features of the text and correlation with units (as units.py)
// ---------------------------------------------------------------------------------------------------------------

const isAlnum = ch => /[\p{L}\p{N}]/u.test(ch);
const isAlpha = ch => /\p{L}/u.test(ch);
// Python's str.isspace
const isSpace = ch => /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/.test(ch);

const FEATURES = {
  position_in_line(cs) {      // characters since the last newline (0 at a newline; the first line counts from 0)
    let last = -1;
    return cs.map((ch, j) => { if (ch === '\n') { last = j; return 0; } return last < 0 ? j : j - last; });
  },
  bracket_depth(cs) {
    let d = 0;
    return cs.map(ch => ('([{'.includes(ch) ? ++d : ')]}'.includes(ch) ? (d = Math.max(d - 1, 0)) : d));
  },
  in_quotes(cs) {
    let q = null;
    return cs.map((ch, j) => {
      if (q === null) {
        const apostrophe = ch === "'" && j > 0 && j < cs.length - 1 && isAlpha(cs[j - 1]) && isAlpha(cs[j + 1]);
        if (ch === '"' || (ch === "'" && !apostrophe)) q = ch;
        return q !== null ? 1 : 0;
      }
      if (ch === q || ch === '\n') q = null;
      return 1;
    });
  },
  indentation(cs) {
    let n = 0, leading = true;
    return cs.map(ch => {
      if (ch === '\n') { n = 0; leading = true; }
      else if (leading && (ch === ' ' || ch === '\t')) n += ch === '\t' ? 4 : 1;
      else leading = false;
      return n;
    });
  },
  in_word(cs) { return cs.map(ch => (isAlnum(ch) || ch === '_' ? 1 : 0)); },
  since_space(cs) { let n = 0; return cs.map(ch => (n = isSpace(ch) ? 0 : n + 1)); },
};

// Pearson r between each unit (acts: n rows of H, NaN rows skipped) and `values`; 0 where either never changes.
function correlations(acts, H, values, ok) {
  const n = values.length;
  let m = 0, cnt = 0;
  for (let t = 0; t < n; t++) if (ok[t]) { m += values[t]; cnt++; }
  m /= cnt || 1;
  const mean = new Float64Array(H), r = new Float64Array(H);
  for (let t = 0; t < n; t++) if (ok[t]) for (let u = 0; u < H; u++) mean[u] += acts[t * H + u];
  for (let u = 0; u < H; u++) mean[u] /= cnt || 1;
  const av = new Float64Array(H), aa = new Float64Array(H);
  let vv = 0;
  for (let t = 0; t < n; t++) {
    if (!ok[t]) continue;
    const v = values[t] - m;
    vv += v * v;
    for (let u = 0; u < H; u++) { const a = acts[t * H + u] - mean[u]; av[u] += a * v; aa[u] += a * a; }
  }
  for (let u = 0; u < H; u++) { const den = Math.sqrt(aa[u] * vv); r[u] = den > 1e-12 ? av[u] / den : 0; }
  return r;
}

// For each feature, the `top` units with the largest |r|, from the state ('h', or an LSTM's 'c') whose best unit
// has the largest |r| (as best_units in units.py).
function bestUnits(reader, top = 3) {
  const H = NET.H, cs = reader.chars, ok = reader.ids.map(i => i >= 0), out = {};
  for (const [name, f] of Object.entries(FEATURES)) {
    const values = f(cs);
    let best = null;
    for (const st of ['h', 'c']) {
      if (!reader.states[st]) continue;
      const r = correlations(reader.states[st], H, values, ok);
      const order = Array.from(r.keys()).sort((a, b) => Math.abs(r[b]) - Math.abs(r[a]) || a - b).slice(0, top);
      if (!best || Math.abs(r[order[0]]) > Math.abs(best.best[0][1]))
        best = {state: st, best: order.map(u => [u, r[u]])};
    }
    out[name] = best;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// 8. Load: read the embedded data, decode the weights once, then build the page
// ---------------------------------------------------------------------------------------------------------------

let DATA = null;

function load() {
  const t0 = performance.now();
  DATA = JSON.parse(document.getElementById('charrnn-model').textContent);
  const T = decodeWeights(DATA.weights, document.getElementById('charrnn-weights').textContent.trim());
  NET = prepare(DATA.config, T);
  ITOS = DATA.itos;
  STOI = new Map(ITOS.map((ch, i) => [ch, i]));
  api.load_ms = performance.now() - t0;
}

const api = {
  STATES, sample, char_surprise, score, top_guesses, activations,
  features: text => Object.fromEntries(Object.entries(FEATURES).map(([k, f]) => [k, f(chars(text))])),
  best_units(text, layer = -1, top = 3) {
    checkReady();
    const l = checkLayer(layer), r = readAll(text, {layer: l, states: NET.arch === 'lstm' ? ['h', 'c'] : ['h']});
    return bestUnits(r, top);
  },
  get config() { return DATA && DATA.config; },
  get vocab() { return ITOS && ITOS.slice(); },
  _internal: {makeSampler, makeReader, halfToFloat, seededRandom, pickChar},
};

api.ready = new Promise((resolve, reject) => {
  const start = () => {
    try {
      load();
      buildPage();
      api.ready_ms = performance.now();                // since the navigation started
      resolve(api);
    } catch (e) { api.error = String(e); showFatal(e); reject(e); }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
});
api.ready.catch(() => {});     // the error is shown in the page; a caller awaiting ready still sees it
window.charrnn = api;

function showFatal(e) {
  const box = document.createElement('p');
  box.className = 'fatal';
  box.textContent = 'This page could not load its model: ' + e;
  (document.body || document.documentElement).prepend(box);
}

// ---------------------------------------------------------------------------------------------------------------
// 9. The page: built with the DOM API; every piece of data (vocab, metadata, text) goes in as text, never as HTML
// ---------------------------------------------------------------------------------------------------------------

function el(tag, props = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);                 // functions only, never strings
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  // strings -> text nodes
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined && kid !== false) e.append(kid);
  return e;
}

const LABELS = {' ': '\u2423', '\n': '\\n', '\t': '\\t', '\r': '\\r'};
const label = ch => LABELS[ch] || ch;                                          // as char_label in plot.py
const fmt = (x, d = 3) => (x === null || x === undefined || !isFinite(x) ? '-' : Number(x).toFixed(d));
const thousands = n => Number(n).toLocaleString('en-US');
const nextTick = () => new Promise(resolve => setTimeout(resolve, 0));
const UI = {};

function buildPage() {
  const c = DATA.config;
  document.body.append(
    el('header', {},
      el('h1', {id: 'title'}, DATA.title),
      el('p', {class: 'sub'}, `${c.arch === 'gru' ? 'A' : 'An'} ${c.arch.toUpperCase()} character model that runs ` +
        'entirely in this page: nothing you type leaves your browser.'),
      el('nav', {}, ...[['write', 'Write'], ['read', 'Read'], ['inside', 'Look inside'], ['card', 'The model']].map(
        ([id, name]) => el('button', {
          type: 'button', class: 'navlink',
          onclick: () => document.getElementById(id).scrollIntoView({behavior: 'smooth'}),
        }, name)))),
    el('main', {}, writeSection(), readSection(), insideSection(), cardSection()),
    el('footer', {}, `charrnn-fastai ${DATA.library_version || ''}: the page holds the weights ` +
      `(${DATA.weights.dtype}) and runs them with plain JavaScript; it makes no network request.`),
    UI.tip = el('div', {class: 'tip', role: 'tooltip', hidden: true}));
  document.addEventListener('click', e => {
    if (!e.target.closest || !e.target.closest('.colored')) UI.tip.hidden = true;
  });
  UI.text.value = DATA.text || '';
  if (DATA.text_info && DATA.text_info.n_chars > DATA.text_info.shown)
    UI.textNote.textContent = `The first ${thousands(DATA.text_info.shown)} of the ` +
      `${thousands(DATA.text_info.n_chars)} characters this page was built with.`;
  setTimeout(analyse, 0);
}

// ---- Write ---------------------------------------------------------------------------------------------------

function field(name, props, help) {
  const input = el('input', {name, ...props});
  return [el('label', {title: help}, el('span', {}, name), input), input];
}

function writeSection() {
  const [fPrime, prime] = field('prime', {type: 'text', placeholder: '(empty: start after a newline)', class: 'wide'},
                                'Text to start from');
  const [fT, temperature] = field('temperature', {type: 'number', min: 0, step: 0.05, value: 0.8},
                                  '0 is greedy: always the likeliest character');
  const [fK, topK] = field('top-k', {type: 'number', min: 1, step: 1, placeholder: 'off'},
                           'Sample only among the k likeliest characters');
  const [fP, topP] = field('top-p', {type: 'number', min: 0, max: 1, step: 0.05, placeholder: 'off'},
                           'Sample only within the likeliest characters holding this much probability');
  const [fS, seed] = field('seed', {type: 'number', step: 1, placeholder: 'random'},
                           'The same seed gives the same text');
  const [fN, length] = field('length', {type: 'number', min: 0, step: 1, value: 500}, 'Characters to generate');
  const out = el('pre', {class: 'out', 'aria-live': 'polite'}), status = el('span', {class: 'status'});
  const go = el('button', {type: 'button', class: 'go'}, 'Generate'),
        stop = el('button', {type: 'button', disabled: true}, 'Stop');
  let stopped = false;
  const num = input => (input.value.trim() === '' ? null : Number(input.value));   // empty: the default / off
  stop.addEventListener('click', () => { stopped = true; });
  // a click, not a form submission: in a sandboxed notebook iframe (no allow-forms) a form never submits
  const generate = async () => {
    if (go.disabled) return;                                                   // already running
    go.disabled = true;
    let sm;
    try {
      sm = makeSampler({prime: prime.value, n: num(length) ?? 500, temperature: num(temperature) ?? 0.8,
                        top_k: num(topK), top_p: num(topP), seed: num(seed)});
    } catch (err) {
      status.textContent = String(err.message || err).replace('charrnn.sample: ', '');
      go.disabled = false;
      return;
    }
    const node = document.createTextNode(sm.prime);
    out.replaceChildren(node);
    const unknown = [...new Set(chars(sm.prime).filter(ch => idOf(ch) < 0))];
    stop.disabled = false; stopped = false;
    const t0 = performance.now();
    let made = 0;
    while (!sm.done && !stopped) {
      const tick = performance.now();
      let piece = '';
      while (!sm.done && performance.now() - tick < 30) piece += sm.next(8);   // ~30 ms of work, then let the page draw
      node.appendData(piece);
      made += chars(piece).length;
      status.textContent = `${thousands(made)} of ${thousands(sm.n)} characters`;
      await nextTick();
    }
    const s = (performance.now() - t0) / 1000;
    status.textContent = `${stopped ? 'stopped after ' : ''}${thousands(made)} characters in ${s.toFixed(2)} s ` +
      `(${thousands(Math.round(made / Math.max(s, 1e-3)))} chars/s)` +
      (unknown.length ? `; skipped prime characters the model does not know: ${unknown.map(label).join(' ')}` : '');
    go.disabled = false; stop.disabled = true;
  };
  go.addEventListener('click', generate);
  const controls = el('div', {
    class: 'controls',
    onkeydown: e => { if (e.key === 'Enter' && e.target.tagName === 'INPUT') generate(); },
  }, fPrime, fT, fK, fP, fS, fN, el('div', {class: 'buttons'}, go, stop, status));
  UI.write = {prime, temperature, topK, topP, seed, length, go, stop, out, status};
  return el('section', {id: 'write'}, el('h2', {}, 'Write'),
    el('p', {}, 'The model continues the prime one character at a time. Temperature 0 always takes the likeliest ' +
      'character; higher temperatures take more risks.'),
    controls, out);
}

// ---- Read and Look inside: one pass over the text feeds both -----------------------------------------------

function readSection() {
  UI.text = el('textarea', {rows: 8, spellcheck: 'false', placeholder: 'Type or paste text here',
                            'aria-label': 'text to read'});
  UI.text.addEventListener('input', () => { clearTimeout(UI.debounce); UI.debounce = setTimeout(analyse, 300); });
  UI.textNote = el('p', {class: 'note'});
  UI.readStat = el('p', {class: 'stat'});
  UI.unknownNote = el('p', {class: 'unknown-note'});
  UI.readView = el('div', {class: 'colored', tabindex: 0});
  hoverTips(UI.readView, readTip);
  const sampleButton = el('button', {type: 'button', onclick: () => {
    UI.text.value = sample({prime: '', n: 600, temperature: 0.8, seed: 1}).replace(/^\n/, '');
    analyse();
  }}, 'Use a sample from the model');
  return el('section', {id: 'read'}, el('h2', {}, 'Read'),
    el('p', {}, 'Each character is coloured by how much it surprised the model (white: expected, red: surprised). ' +
      'Hover or tap a character for the five characters the model thought likeliest next.'),
    UI.text, el('div', {class: 'buttons'}, sampleButton), UI.textNote, UI.readStat, UI.unknownNote, UI.readView);
}

function insideSection() {
  const L = NET.L, sts = STATES[NET.arch];
  UI.layer = el('select', {'aria-label': 'layer'}, ...Array.from({length: L}, (_, l) =>
    el('option', {value: l}, `layer ${l}${l === L - 1 ? ' (top)' : ''}`)));
  UI.layer.value = String(L - 1);
  UI.state = el('select', {'aria-label': 'state'}, ...sts.map(st => el('option', {value: st}, st)));
  UI.unit = el('input', {type: 'number', min: 0, max: NET.H - 1, step: 1, value: 0, 'aria-label': 'unit'});
  UI.layer.addEventListener('change', () => analyse());
  UI.state.addEventListener('change', () => { UI.unitPicked = true; showUnit(); });
  UI.unit.addEventListener('input', () => { UI.unitPicked = true; showUnit(); });
  UI.unitsSource = el('p', {class: 'note'});
  UI.units = el('table', {class: 'units'});
  UI.unitTitle = el('p', {class: 'stat'});
  UI.unitView = el('div', {class: 'colored', tabindex: 0});
  hoverTips(UI.unitView, unitTip);
  return el('section', {id: 'inside'}, el('h2', {}, 'Look inside'),
    el('p', {}, 'Units of the network whose activation follows a feature of the text above (Pearson r over its ' +
      `characters). Pick one, or any unit (0 to ${NET.H - 1}) and state (${sts.join(', ')}), to colour the text by ` +
      'its activation (blue negative, red positive).'),
    UI.unitsSource, UI.units,
    el('div', {class: 'controls'},
       el('label', {}, el('span', {}, 'layer'), UI.layer),
       el('label', {}, el('span', {}, 'state'), UI.state),
       el('label', {}, el('span', {}, 'unit'), UI.unit)),
    UI.unitTitle, UI.unitView);
}

// The current pass: `UI.reader` once complete; a newer call to analyse() abandons an older pass.
let PASS = 0;

async function analyse() {
  const id = ++PASS, text = chars(UI.text.value).slice(0, DATA.max_read).join('');   // max_read: from Python
  const layer = Number(UI.layer.value), sts = new Set(NET.arch === 'lstm' ? ['h', 'c'] : ['h']);
  sts.add(UI.state.value);
  const r = makeReader(text, {surprise: true, k: Math.min(5, NET.V), layer, states: [...sts]});
  UI.readStat.textContent = r.n ? 'reading...' : '';
  const t0 = performance.now();
  // ~30 ms of reading, then let the page respond
  for (let done = false; !done;) {
    const slice = performance.now();
    while (!done && performance.now() - slice < 30) done = r.step(8);
    if (done) break;
    UI.readStat.textContent = `reading... ${Math.round(100 * r.at / r.n)}%`;
    await nextTick();
    // the text changed: a newer pass took over
    if (id !== PASS) return;
  }
  r.seconds = (performance.now() - t0) / 1000;
  r.layer = layer;
  UI.reader = r;
  showRead(r, text);
  showUnits(r, text);
  showUnit();
}

function showRead(r, text) {
  const s = Array.from(r.surprise).filter(Number.isFinite), nats = s.reduce((a, b) => a + b, 0) / s.length;
  UI.readStat.textContent = s.length
    ? `${fmt(nats / Math.LN2)} bits/char (${fmt(nats)} nats/char) over ${thousands(s.length)} predicted characters; ` +
      `read at ${thousands(Math.round(r.n / Math.max(r.seconds, 1e-3)))} chars/s.`
    : (r.n ? 'Type at least two characters the model knows.' : '');
  if (chars(UI.text.value).length > DATA.max_read)
    UI.readStat.textContent += ` Only the first ${thousands(DATA.max_read)} characters are read.`;
  const unknown = [...new Set(r.chars.filter((_, t) => r.ids[t] < 0))];
  UI.unknownNote.textContent = unknown.length
    ? `${unknown.length} character${unknown.length > 1 ? 's' : ''} the model does not know ` +
      `(outlined, skipped when reading): ${unknown.map(label).join(' ')}`
    : '';
  const maxNats = Math.log(NET.V);
  paint(UI.readView, r, t => (t > 0 && Number.isFinite(r.surprise[t - 1])
                              ? heat(Math.min(1, r.surprise[t - 1] / maxNats))
                              : ''));
}

function showUnits(r, text) {
  const builtIn = DATA.units && Object.keys(DATA.units).length && text === (DATA.text || '') && r.layer === NET.L - 1;
  const units = builtIn ? DATA.units : bestUnits(r);
  UI.unitsSource.textContent = builtIn
    ? `Ranked in Python over the ${thousands(r.n)} characters this page was built with.`
    : r.n > 1 ? `Ranked in your browser over the ${thousands(r.n)} characters above (layer ${r.layer}).`
    : 'Type some text above to rank the units.';
  UI.units.replaceChildren(el('tr', {}, el('th', {}, 'feature'), el('th', {}, 'best units (state, r)')));
  if (r.n < 2) return;
  let top = null;
  for (const [name, u] of Object.entries(units)) {
    if (!u) continue;
    const flat = Math.abs(u.best[0][1]) === 0;                                 // the feature never changes here
    UI.units.append(el('tr', {}, el('td', {}, name.replace(/_/g, ' ')), el('td', {}, flat ? 'constant in this text' :
      u.best.map(([unit, rv]) => el('button', {type: 'button', class: 'unitpick', onclick: () => {
        UI.unitPicked = true; UI.state.value = u.state; UI.unit.value = unit; showUnit();
      }}, `${unit} (${u.state}) r=${rv >= 0 ? '+' : ''}${fmt(rv, 2)}`)))));
    if (!top || Math.abs(u.best[0][1]) > Math.abs(top.best[0][1])) top = u;
  }
  // show the best unit first
  if (!UI.unitPicked && top && top.best[0][1] !== 0) { UI.state.value = top.state; UI.unit.value = top.best[0][0]; }
}

async function showUnit() {
  const r = UI.reader;
  if (!r) return;
  const st = UI.state.value, u = Number(UI.unit.value), H = NET.H;
  if (!Number.isInteger(u) || u < 0 || u >= H) {
    UI.unitTitle.textContent = `Units are numbered 0 to ${H - 1}.`;
    return;
  }
  if (!r.states[st]) { analyse(); return; }                                  // this state was not kept: read again
  const a = r.states[st];
  let m = 0;
  for (let t = 0; t < r.n; t++) { const v = a[t * H + u]; if (Number.isFinite(v)) m = Math.max(m, Math.abs(v)); }
  UI.unitTitle.textContent = r.n ? `Layer ${r.layer}, state ${st}, unit ${u}: largest |activation| ${fmt(m)}.` : '';
  paint(UI.unitView, r, t => { const v = a[t * H + u]; return Number.isFinite(v) ? diverging(v / (m || 1)) : ''; });
}

const heat = t => `rgb(255,${Math.round(255 * (1 - 0.8 * t))},${Math.round(255 * (1 - t))})`;   // white -> red
function diverging(t) {                                                         // blue <- white -> red
  t = Math.max(-1, Math.min(1, t));
  const w = Math.round(255 * (1 - Math.abs(t)));
  return t >= 0 ? `rgb(255,${w},${w})` : `rgb(${w},${w},255)`;
}

// The text as one span per character, its background from colour(t); unknown characters outlined.
function paint(view, r, colour) {
  const frag = document.createDocumentFragment();
  for (let t = 0; t < r.n; t++) {
    const span = document.createElement('span');
    span.textContent = r.chars[t];
    span.dataset.i = t;
    if (r.ids[t] < 0) { span.className = 'unk'; span.title = 'not in the model\'s vocabulary: skipped'; }
    else { const bg = colour(t); if (bg) span.style.backgroundColor = bg; }
    frag.append(span);
  }
  view.replaceChildren(frag);
  view.reader = r;
}

function hoverTips(view, fill) {
  const show = e => {
    const span = e.target.closest && e.target.closest('span[data-i]');
    if (!span || !view.contains(span)) return;
    const t = Number(span.dataset.i);
    UI.tip.replaceChildren(...fill(view.reader, t));
    UI.tip.hidden = false;
    const box = span.getBoundingClientRect(), tipW = Math.min(260, window.innerWidth - 16);
    UI.tip.style.left =
      `${Math.max(8, Math.min(window.scrollX + box.left, window.scrollX + window.innerWidth - tipW - 8))}px`;
    UI.tip.style.top = `${window.scrollY + box.bottom + 4}px`;
  };
  view.addEventListener('mouseover', show);
  view.addEventListener('click', show);                                        // a tap on a phone
  view.addEventListener('mouseleave', () => { UI.tip.hidden = true; });
}

function readTip(r, t) {
  const ch = r.chars[t], out = [el('div', {class: 'tiphead'}, `'${label(ch)}'`)];
  if (r.ids[t] < 0) return [...out, el('div', {}, 'not in the model\'s vocabulary: skipped')];
  if (t > 0 && Number.isFinite(r.surprise[t - 1]))
    out.push(el('div', {}, `surprise ${fmt(r.surprise[t - 1] / Math.LN2, 2)} bits`));
  const k = Math.min(5, NET.V);                                                // the guesses analyse() asks for
  if (r.guessIds[t * k] >= 0) {
    out.push(el('div', {class: 'tipsub'}, 'likeliest next:'));
    for (let j = 0; j < k; j++) {
      out.push(el('div', {class: 'guess'}, el('code', {}, label(ITOS[r.guessIds[t * k + j]])),
                  ` ${(100 * r.guessP[t * k + j]).toFixed(1)}%`));
    }
  }
  return out;
}

function unitTip(r, t) {
  const st = UI.state.value, u = Number(UI.unit.value), v = r.states[st] ? r.states[st][t * NET.H + u] : NaN;
  return [el('div', {class: 'tiphead'}, `'${label(r.chars[t])}'`),
          el('div', {}, r.ids[t] < 0 ? 'not in the model\'s vocabulary: skipped' : `${st}[${u}] = ${fmt(v)}`)];
}

// ---- The model's card ----------------------------------------------------------------------------------------

function cardSection() {
  const c = DATA.config, meta = DATA.meta || {}, card = DATA.card || {}, h = DATA.history;
  const rows = [
    ['architecture', `${c.arch.toUpperCase()}, ${c.n_layers} layer${c.n_layers > 1 ? 's' : ''} of ${c.n_hidden} units`],
    ['input', c.one_hot ? `one-hot vectors of ${c.vocab_sz}` : `an embedding of ${c.emb_sz}`],
    ['tied embedding and head', c.tie_weights ? 'yes' : 'no'],
    ['parameters', meta.n_params != null ? thousands(meta.n_params) : '-'],
    ['vocabulary', `${ITOS.length} characters`],
    ['corpus', card.corpus != null ? String(card.corpus) : 'not recorded'],
    ['characters trained', card.chars_trained ? thousands(card.chars_trained) : 'not recorded'],
    ['validation loss', card.valid_loss != null
      ? `${fmt(card.valid_loss)} nats/char = ${fmt(card.valid_loss / Math.LN2)} bits/char` : 'not recorded'],
    ['weights in this page', `${DATA.weights.dtype}, ${thousands(DATA.weights.n_bytes)} bytes`],
    ['saved', meta.saved_at != null ? String(meta.saved_at) : '-'],
  ];
  const dl = el('dl', {class: 'card'}, ...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  const vocab = el('p', {class: 'vocab'}, ...ITOS.map(ch => el('code', {}, label(ch))));
  const metaTable = el('table', {class: 'meta'}, ...Object.entries(meta).map(([k, v]) =>
    el('tr', {}, el('th', {}, k), el('td', {}, typeof v === 'string' ? v : JSON.stringify(v)))));
  return el('section', {id: 'card'}, el('h2', {}, 'The model'), dl,
    el('details', {}, el('summary', {}, 'its characters'), vocab),
    el('h3', {}, 'Training'),
    h && h.steps.length ? lossChart(h) : el('p', {}, 'This model file holds no training history.'),
    h && h.bin > 1 ? el('p', {class: 'note'}, `Training losses averaged over bins of ${h.bin} steps ` +
                                              `(${thousands(h.n_steps)} steps in all) to keep the page small.`) : null,
    el('details', {}, el('summary', {}, 'all metadata'), metaTable));
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, ...kids) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const kid of kids) e.append(kid);
  return e;
}

// A centred moving average over about a twentieth of the points: the trend without lag.
function smoothCentred(y) {
  const half = Math.max(1, Math.round(y.length / 40)), out = [];
  for (let i = 0; i < y.length; i++) {
    let s = 0, n = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(y.length - 1, i + half); j++) {
      if (Number.isFinite(y[j])) { s += y[j]; n++; }
    }
    out.push(n ? s / n : NaN);
  }
  return out;
}

// Training loss per step (faint), smoothed, validation loss per epoch, and the uniform / unigram / bigram baselines,
// in nats/char (left axis) and bits/char (right axis), as plot_loss_curves draws them.
function lossChart(h) {
  const W = 640, Hh = 300, m = {l: 52, r: 52, t: 22, b: 40}, pw = W - m.l - m.r, ph = Hh - m.t - m.b;
  const xs = h.steps, ys = h.losses.map(v => (v === null ? NaN : v)), sm = smoothCentred(ys);
  const base = Object.entries(h.baselines || {}).filter(([, v]) => v !== null);
  const all = [...ys, ...h.valid.map(p => p[1]), ...base.map(([, v]) => v)].filter(Number.isFinite);
  let lo = Math.min(...all), hi = Math.max(...all);
  if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
  const pad = 0.04 * (hi - lo); lo -= pad; hi += pad;
  const xMax = Math.max(h.n_steps, 1), X = s => m.l + pw * s / xMax, Y = v => m.t + ph * (1 - (v - lo) / (hi - lo));
  const path = (px, py) => px.map((x, i) => [x, py[i]]).filter(([, y]) => Number.isFinite(y))
    .map(([x, y], i) => `${i ? 'L' : 'M'}${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join('');
  const g = svg('svg', {viewBox: `0 0 ${W} ${Hh}`, class: 'chart', role: 'img',
                        'aria-label': 'training and validation loss'});
  for (const v of ticks(lo, hi, 6)) {
    g.append(svg('line', {x1: m.l, x2: m.l + pw, y1: Y(v), y2: Y(v), stroke: '#e4e4e4'}),
             svg('text', {x: m.l - 6, y: Y(v) + 4, 'text-anchor': 'end', 'font-size': 11}, v.toFixed(2)),
             svg('text', {x: m.l + pw + 6, y: Y(v) + 4, 'font-size': 11, fill: '#666'}, (v / Math.LN2).toFixed(2)));
  }
  for (const s of ticks(0, xMax, 6)) {
    if (s < 0 || s > xMax) continue;
    g.append(svg('line', {x1: X(s), x2: X(s), y1: m.t + ph, y2: m.t + ph + 4, stroke: '#999'}),
             svg('text', {x: X(s), y: m.t + ph + 16, 'text-anchor': 'middle', 'font-size': 11}, thousands(s)));
  }
  const styles = {uniform: '2,3', unigram: '7,4', bigram: '9,3,2,3'};
  for (const [name, v] of base) {
    g.append(svg('line', {x1: m.l, x2: m.l + pw, y1: Y(v), y2: Y(v), stroke: '#777',
                          'stroke-dasharray': styles[name] || '4,4'}),
             svg('text', {x: m.l + pw - 4, y: Y(v) - 3, 'text-anchor': 'end', 'font-size': 10, fill: '#555'},
                 `${name} ${v.toFixed(2)}`));
  }
  g.append(svg('path', {d: path(xs, ys), fill: 'none', stroke: '#1f77b4', 'stroke-opacity': 0.25, 'stroke-width': 0.8}),
           svg('path', {d: path(xs, sm), fill: 'none', stroke: '#1f77b4', 'stroke-width': 1.8}));
  if (h.valid.length) {
    g.append(svg('path', {d: path(h.valid.map(p => p[0]), h.valid.map(p => p[1])), fill: 'none', stroke: '#d62728',
                          'stroke-width': 1.2, 'stroke-dasharray': '5,3'}));
    for (const [s, v] of h.valid) {
      g.append(svg('circle', {cx: X(s), cy: Y(v), r: 3.5, fill: '#d62728', stroke: 'white'}));
    }
  }
  g.append(svg('rect', {x: m.l, y: m.t, width: pw, height: ph, fill: 'none', stroke: '#999'}),
           svg('text', {x: m.l + pw / 2, y: Hh - 6, 'text-anchor': 'middle', 'font-size': 12}, 'training step'),
           svg('text', {x: 14, y: m.t + ph / 2, 'text-anchor': 'middle', 'font-size': 12,
                        transform: `rotate(-90 14 ${m.t + ph / 2})`}, 'loss (nats/char)'),
           svg('text', {x: W - 10, y: m.t + ph / 2, 'text-anchor': 'middle', 'font-size': 12, fill: '#666',
                        transform: `rotate(90 ${W - 10} ${m.t + ph / 2})`}, 'bits/char'));
  const last = h.valid.length ? h.valid[h.valid.length - 1][1] : null;
  const legend = el('p', {class: 'legend'},
                    el('span', {class: 'key train'}), 'training loss (faint: per step, solid: smoothed)  ',
                    el('span', {class: 'key valid'}), 'validation loss  ', el('span', {class: 'key base'}), 'baselines',
                    last !== null
                      ? `; final validation loss ${fmt(last)} nats/char = ${fmt(last / Math.LN2)} bits/char` : '');
  return el('figure', {}, g, legend);
}

function ticks(lo, hi, n) {   // round numbers (1, 2 or 5 times a power of ten apart) between lo and hi, about n
  const raw = (hi - lo) / n, mag = 10 ** Math.floor(Math.log10(raw)), f = raw / mag;
  const step = mag * (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10), out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Number(v.toFixed(10)));
  return out;
}
})();
