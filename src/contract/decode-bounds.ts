/**
 * Checks devalue's flat encoding against the caps in `value-limits.ts`
 * before anything is revived: nesting depth, array lengths, cycles and the
 * number of elements the value expands to. It walks the flat form in the
 * order devalue's `unflatten` revives it (depth-first, children in order,
 * each entry revived once), with an explicit stack, so it never recurses.
 */
import { SerializationError } from '../errors.js';
import { elementBudget, MAX_ARRAY_LENGTH, MAX_VALUE_DEPTH } from './value-limits.js';

const SPARSE = -7;
/** devalue's tagged forms that hold other entries (every other tagged form is a leaf here; devalue checks it). */
const CONTAINER_TAGS = new Set(['Set', 'Map', 'null']);

/** Walk states per flat entry (0: not reached yet). */
const ON_STACK = 1;
const DONE = 2;

function isIndex(entry: unknown, count: number): entry is number {
  return typeof entry === 'number' && Number.isInteger(entry) && entry >= 0 && entry < count;
}

/** The entries of a container that point at other entries, in revival order, or `undefined` for a leaf. */
function referencesOf(value: unknown): unknown[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (!Array.isArray(value)) return Object.values(value);
  const head: unknown = value[0];
  if (typeof head === 'string') {
    if (!CONTAINER_TAGS.has(head)) return undefined;
    return head === 'null' ? value.filter((_, position) => position >= 2 && position % 2 === 0) : value.slice(1);
  }
  if (head === SPARSE) return value.filter((_, position) => position >= 3 && position % 2 === 1);
  return value;
}

/** Elements of a container besides its references: the holes of a sparse array. */
function ownSlots(value: unknown): number {
  if (!Array.isArray(value) || value[0] !== SPARSE) return 0;
  const length: unknown = value[1];
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) return 0;
  return length - (value.length - 2) / 2;
}

/** The path label of the `position`-th reference of `container`. */
function labelOf(container: unknown, position: number, values: readonly unknown[]): string {
  if (!Array.isArray(container)) {
    const key = Object.keys(container as object)[position] ?? '';
    return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  const head: unknown = container[0];
  if (head === SPARSE) return `[${String(container[2 + 2 * position])}]`;
  if (head === 'Set') return `.<entry ${position}>`;
  if (head === 'null') return `[${JSON.stringify(container[1 + 2 * position])}]`;
  if (head === 'Map') {
    const entry = Math.floor(position / 2);
    if (position % 2 === 0) return `.<key ${entry}>`;
    const key = values[container[1 + 2 * entry] as number];
    return `.get(${typeof key === 'string' ? JSON.stringify(key) : `<key ${entry}>`})`;
  }
  return `[${position}]`;
}

interface Frame {
  index: number;
  references: unknown[];
  next: number;
  elements: number;
}

function pathOf(stack: readonly Frame[], values: readonly unknown[], rootPath: string): string {
  let path = rootPath;
  for (let depth = 0; depth < stack.length - 1; depth++) path += labelOf(values[stack[depth].index], stack[depth].next - 1, values);
  return path;
}

function refuse(path: string, what: string): never {
  throw new SerializationError(`Cannot decode \`${path}\`: it is ${what}`, { path });
}

/**
 * Throws a {@link SerializationError} naming the path when the flat devalue
 * form `values` (parsed from `encodedLength` characters) nests containers
 * deeper than `MAX_VALUE_DEPTH`, holds an array longer than
 * `MAX_ARRAY_LENGTH` or a cycle, or expands to more elements than
 * `elementBudget(encodedLength)`.
 */
export function assertDecodable(values: readonly unknown[], encodedLength: number, rootPath: string): void {
  const count = values.length;
  const state = new Uint8Array(count);
  const expanded = new Float64Array(count);
  const budget = elementBudget(encodedLength);
  const stack: Frame[] = [];
  const open = (index: number): void => {
    const value = values[index];
    const references = referencesOf(value) ?? [];
    const slots = ownSlots(value);
    if (slots + references.length > MAX_ARRAY_LENGTH) {
      stack.push({ index, references, next: 0, elements: 0 });
      refuse(pathOf(stack, values, rootPath), `an array of length ${slots + references.length}, over the cap of ${MAX_ARRAY_LENGTH} (MAX_ARRAY_LENGTH)`);
    }
    state[index] = ON_STACK;
    stack.push({ index, references, next: 0, elements: 1 + slots });
    if (stack.length > MAX_VALUE_DEPTH) {
      refuse(pathOf(stack, values, rootPath), `nested deeper than the depth cap of ${MAX_VALUE_DEPTH} levels (MAX_VALUE_DEPTH)`);
    }
  };
  if (count === 0) return;
  open(0);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.next < frame.references.length) {
      const reference = frame.references[frame.next++];
      if (!isIndex(reference, count)) frame.elements += 1;
      else if (state[reference] === DONE) frame.elements += expanded[reference];
      else if (state[reference] === ON_STACK)
        refuse(
          pathOf(stack, values, rootPath) + labelOf(values[frame.index], frame.next - 1, values),
          'a reference back to one of its own ancestors (a cycle)',
        );
      else if (referencesOf(values[reference]) === undefined) {
        state[reference] = DONE;
        expanded[reference] = 1;
        frame.elements += 1;
      } else open(reference);
      continue;
    }
    stack.pop();
    state[frame.index] = DONE;
    expanded[frame.index] = frame.elements;
    if (frame.elements > budget) {
      stack.push(frame);
      refuse(
        pathOf(stack, values, rootPath),
        `a value that expands to ${frame.elements} elements from ${encodedLength} encoded characters, over the budget of ${budget} (MIN_ELEMENT_BUDGET + ELEMENTS_PER_ENCODED_BYTE per character)`,
      );
    }
    if (stack.length > 0) stack[stack.length - 1].elements += frame.elements;
  }
}
