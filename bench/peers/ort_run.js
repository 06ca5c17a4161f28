// ONNX Runtime peer for the whole-model benchmark: runs one model through onnxruntime-node's CPU
// execution provider and prints one JSON line.
//
//   node ort_run.js --model M.onnx --input x.npy [--threads T] [--runs N] [--rounds R]
//                   [--warmup W] [--output y.npy]
//     times R rounds of N runs each (after W warm-up runs) and prints the per-round medians
//     and their median, min and max in ms. --output writes the first output of the last run.
//   node ort_run.js --model M.onnx --minmax calib.npy [--batch B]
//     runs the model on calib.npy in batches of B and prints the min and max of every output
//     over all of them: the calibration pass of bench/qdq_quantize.py.
//
// onnxruntime-node comes from NODE_PATH (scripts/setup-bench.sh installs it).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function parseArgs(argv) {
  const a = {threads: 1, runs: 20, rounds: 1, warmup: 3, batch: 8};
  for (let i = 0; i < argv.length; ++i) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument '${argv[i]}'`);
    const v = m[2] !== undefined ? m[2] : argv[++i];
    if (v === undefined) throw new Error(`--${m[1]} needs a value`);
    a[m[1]] = ['threads', 'runs', 'rounds', 'warmup', 'batch'].includes(m[1]) ? Number(v) : v;
  }
  if (!a.model) throw new Error('--model is required');
  return a;
}

// The .npy subset NumPy writes for a C-ordered little-endian float32 array (format 1.0 / 2.0).
function readNpy(path) {
  const buf = fs.readFileSync(path);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + hlen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(`${path}: expected float32 ('<f4'), header ${header}`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order is not supported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter(s => s.trim()).map(Number);
  const n = shape.reduce((x, y) => x * y, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; ++i) data[i] = buf.readFloatLE(start + 4 * i);
  return {data, shape};
}

function writeNpy(path, data, shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(Float32Array.from(data).buffer);
  fs.writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

function median(v) {
  const s = [...v].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const session = await ort.InferenceSession.create(a.model, {
    intraOpNumThreads: a.threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const inName = session.inputNames[0];
  if (a.minmax) {
    const x = readNpy(a.minmax);
    const per = x.data.length / x.shape[0];
    const ranges = {};
    for (let s = 0; s < x.shape[0]; s += a.batch) {
      const b = Math.min(a.batch, x.shape[0] - s);
      const t = new ort.Tensor('float32', x.data.subarray(s * per, (s + b) * per), [b, ...x.shape.slice(1)]);
      const out = await session.run({[inName]: t});
      for (const [k, v] of Object.entries(out)) {
        let lo = Infinity, hi = -Infinity;
        for (const e of v.data) { if (e < lo) lo = e; if (e > hi) hi = e; }
        const r = ranges[k] || [Infinity, -Infinity];
        ranges[k] = [Math.min(r[0], lo), Math.max(r[1], hi)];
      }
    }
    console.log(JSON.stringify({ranges}));
    return;
  }
  if (!a.input) throw new Error('--input (or --minmax) is required');
  const x = readNpy(a.input);
  const feeds = {[inName]: new ort.Tensor('float32', x.data, x.shape)};
  let out;
  for (let i = 0; i < a.warmup; ++i) out = await session.run(feeds);
  const rounds = [];
  for (let r = 0; r < a.rounds; ++r) {
    const ms = [];
    for (let i = 0; i < a.runs; ++i) {
      const t0 = process.hrtime.bigint();
      out = await session.run(feeds);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    rounds.push(median(ms));
  }
  if (a.output) {
    const y = out[session.outputNames[0]];
    writeNpy(a.output, y.data, y.dims);
  }
  console.log(JSON.stringify({
    tool: 'onnxruntime', version: require('onnxruntime-node/package.json').version,
    threads: a.threads, runs: a.runs, rounds_ms: rounds, median_ms: median(rounds),
    min_ms: Math.min(...rounds), max_ms: Math.max(...rounds),
  }));
}

main().catch(e => { console.error(`ort_run.js: ${e.message || e}`); process.exit(1); });
