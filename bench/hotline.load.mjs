// The load side of hotline.bench.ts, in a worker thread so that the clients' own CPU (fetch, JSON)
// does not share the server's event loop. Posts { latencies, failures } when the time is up.
import { parentPort, workerData } from 'node:worker_threads';

const { url, headers, seconds, clients, run } = workerData;
const PLACES = ['云溪大道', '桂香路', '新市路', '湖畔路', '荔湾街', '金沙大道', '沙溪路', '石岗大道'];
const MATTERS = ['垃圾桶满溢无人清运', '路边垃圾堆积发臭', '垃圾清运车不按时来', '分类垃圾桶破损'];

const latencies = [];
let failures = 0;
let firstFailure = null;
let seq = 0;
const until = performance.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: clients }, async (_, client) => {
    while (performance.now() < until) {
      const i = seq++;
      const place = PLACES[i % PLACES.length];
      const body = {
        kind: 'complaint',
        categoryCode: '1002',
        description: `${place}${i % 97}号附近${MATTERS[i % MATTERS.length]}`,
        address: `${place}${i % 97}号`,
        caller: { name: '测试', phone: `139${String(10_000_000 + ((i * 7919) % 90_000_000)).padStart(8, '0')}` },
      };
      const t0 = performance.now();
      const res = await fetch(`${url}/api/hotline/orders`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': `bench-${run}-${client}-${i}` },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status === 201) latencies.push(performance.now() - t0);
      else {
        failures += 1;
        firstFailure ??= `${res.status} ${text.slice(0, 200)}`;
      }
    }
  }),
);
parentPort.postMessage({ latencies, failures, firstFailure });
