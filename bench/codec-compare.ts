/**
 * Codec comparison behind the choice of devalue (see README "Value codec").
 * Measures encode+decode round trips/s of devalue, seroval and superjson on a
 * small task input and on a rich value, and checks which types each keeps.
 * Run: npx tsx bench/codec-compare.ts
 */
import * as devalue from 'devalue';
import * as seroval from 'seroval';
import superjson from 'superjson';

const small = { text: 'hello', rounds: 1000 };
const rich = {
  when: new Date(0),
  big: 12345678901234567890n,
  map: new Map([['a', 1]]),
  set: new Set([1, 2]),
  missing: undefined,
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  floats: new Float64Array([1.5, 2.5]),
  bytes: new Uint8Array([1, 2, 3]),
  items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ['x', 'y'] })),
};

type Codec = { name: string; encode: (v: unknown) => string; decode: (s: string) => unknown };
const codecs: Codec[] = [
  { name: 'devalue', encode: (v) => devalue.stringify(v), decode: (s) => devalue.parse(s) },
  { name: 'seroval', encode: (v) => seroval.toJSON(v) as unknown as string, decode: (s) => seroval.fromJSON(s as never) },
  { name: 'superjson', encode: (v) => superjson.stringify(v), decode: (s) => superjson.parse(s) },
];
// seroval's JSON mode returns an object; stringify it to compare like for like.
codecs[1] = { name: 'seroval', encode: (v) => JSON.stringify(seroval.toJSON(v)), decode: (s) => seroval.fromJSON(JSON.parse(s)) };

function opsPerSec(codec: Codec, value: unknown): number {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 500) {
    for (let i = 0; i < 100; i++) codec.decode(codec.encode(value));
    n += 100;
  }
  return Math.round((n * 1000) / (performance.now() - start));
}

for (const codec of codecs) {
  const back = codec.decode(codec.encode(rich)) as typeof rich;
  const kept = [
    back.when instanceof Date,
    typeof back.big === 'bigint',
    back.map instanceof Map,
    back.set instanceof Set,
    'missing' in back,
    Number.isNaN(back.nan),
    back.inf === Number.POSITIVE_INFINITY,
    back.floats instanceof Float64Array,
    back.bytes instanceof Uint8Array,
  ].filter(Boolean).length;
  let refusesFunctions = false;
  try {
    codec.encode({ cb: () => 1 });
  } catch {
    refusesFunctions = true;
  }
  console.log(
    `${codec.name.padEnd(10)} small ${opsPerSec(codec, small).toLocaleString().padStart(10)}/s  rich ${opsPerSec(codec, rich).toLocaleString().padStart(8)}/s  types kept ${kept}/9  refuses functions ${refusesFunctions}`,
  );
}
