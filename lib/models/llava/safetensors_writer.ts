/**
 * Writes safetensors files in F32 or BF16 with arbitrary tensor names, e.g. LLaVA checkpoints in the
 * Hugging Face layout (tests build tiny ones; converters can write twig weights the way SD-RPN ships
 * them). Tensors are packed in the given order; the header is padded to 8 bytes as the reference
 * implementation does.
 */
import { writeFileAtomic } from "../../results/atomic.ts";
import { f32ToBf16Bits } from "./half.ts";

/** One tensor to write: row-major values of `shape`, stored as `dtype`. */
export interface TensorToWrite {
  name: string;
  dtype: "F32" | "BF16";
  shape: number[];
  data: ArrayLike<number>;
}

/** Encodes tensors (in order) to safetensors bytes. */
export function encodeTypedSafetensors(tensors: readonly TensorToWrite[]): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((p, s) => p * s, 1);
    if (count !== t.data.length) {
      throw new Error(
        `Cannot encode tensor "${t.name}": shape [${
          t.shape.join(",")
        }] holds ${count} values but data has ${t.data.length}`,
      );
    }
    const bytes = count * (t.dtype === "F32" ? 4 : 2);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++) {
      if (t.dtype === "F32") {
        view.setFloat32(at, t.data[i]!, true);
        at += 4;
      } else {
        view.setUint16(at, f32ToBf16Bits(t.data[i]!), true);
        at += 2;
      }
    }
  }
  return out;
}

/** Writes `tensors` to `path` atomically. */
export async function writeTypedSafetensors(path: string, tensors: readonly TensorToWrite[]): Promise<void> {
  await writeFileAtomic(path, encodeTypedSafetensors(tensors));
}
