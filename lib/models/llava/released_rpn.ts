/**
 * SD-RPN's released RPN weights for LLaVA-1.5 (github.com/YuHengsss/SD-RPN, LLaVA/llava/llm_src/
 * llama_src.py and migrate_weights.py), mapped to lib/roi's RPN names.
 *
 * The authors release a whole model (`YuhengSSS/llava-v1.5-7b-roi-K15T3-152k-v1bf16Mheads-twiginit-filled`;
 * the 13B one holds only layers 0..K+T−1 and the twig) saved by `save_pretrained` in bfloat16: one
 * `model.safetensors` or shards with `model.safetensors.index.json`, in the ORIGINAL LLaVA layout
 * (`model.layers.*`, `model.mm_projector.*`), which this suite does not read — only the twig is taken from
 * it, the base model comes from the Hugging Face folder given by `--model`. The twig tensors:
 *
 *   model.twig_layers.<i>.input_layernorm.weight            → rpn.layers.<i>.inputNorm
 *   model.twig_layers.<i>.self_attn.{q,k,v,o}_proj.weight   → rpn.layers.<i>.{q,k,v,o}.w (transposed)
 *   model.twig_layers.<i>.post_attention_layernorm.weight   → rpn.layers.<i>.postNorm
 *   model.twig_layers.<i>.mlp.{gate,up,down}_proj.weight    → rpn.layers.<i>.{gate,up,down}.w (transposed)
 *   model.twig_norm.weight                                  → rpn.norm
 *
 * (`.bias` tensors too when the config has attention/MLP biases.) The last twig layer is stored whole but
 * only its input norm and q/k projections score (the branch's "queryKey" part); `twig_head.weight` (a copy of
 * lm_head for the authors' SFT variant) is ignored. The config.json next to the weights gives `twig_K` (B)
 * and `twig_T` (R); when present they must equal the requested RPN shape.
 */
import { join } from "node:path";
import type { TensorMap } from "../../model/tensors.ts";
import { layerLeaves } from "./batched.ts";
import type { LlamaTextConfig } from "./config.ts";
import { openSafetensors, type SafetensorsFile } from "./safetensors_reader.ts";

/** Name prefix of twig layer i in the released checkpoint. */
export function releasedLayerPrefix(i: number): string {
  return `model.twig_layers.${i}.`;
}

/** The released name of the twig norm. */
export const RELEASED_NORM = "model.twig_norm.weight";

// Leaf (batched.ts) → released suffix.
const SUFFIX: Record<string, string> = {
  inputNorm: "input_layernorm.weight",
  postNorm: "post_attention_layernorm.weight",
  q: "self_attn.q_proj",
  k: "self_attn.k_proj",
  v: "self_attn.v_proj",
  o: "self_attn.o_proj",
  gate: "mlp.gate_proj",
  up: "mlp.up_proj",
  down: "mlp.down_proj",
};

/** The released tensor name of RPN leaf `leaf` of twig layer i. */
export function releasedName(i: number, leaf: string): string {
  const [base, kind] = leaf.split(".") as [string, "w" | "b" | undefined];
  const suffix = SUFFIX[base];
  if (suffix === undefined) throw new Error(`No released tensor for RPN leaf "${leaf}"`);
  return releasedLayerPrefix(i) +
    (kind === undefined ? suffix : `${suffix}.${kind === "w" ? "weight" : "bias"}`);
}

/** PyTorch shape of a leaf's tensor ([out, in] for linear weights). */
function torchShape(leaf: string, cfg: LlamaTextConfig): number[] {
  const d = cfg.hiddenSize;
  const q = cfg.numHeads * cfg.headDim;
  const kv = cfg.numKvHeads * cfg.headDim;
  const I = cfg.intermediateSize;
  const shapes: Record<string, number[]> = {
    inputNorm: [d],
    postNorm: [d],
    "q.w": [q, d],
    "k.w": [kv, d],
    "v.w": [kv, d],
    "o.w": [d, q],
    "gate.w": [I, d],
    "up.w": [I, d],
    "down.w": [d, I],
    "q.b": [q],
    "k.b": [kv],
    "v.b": [kv],
    "o.b": [d],
    "gate.b": [I],
    "up.b": [I],
    "down.b": [d],
  };
  return shapes[leaf]!;
}

/** [rows, cols] row-major → [cols, rows]. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** The safetensors files of a released checkpoint: a file, or a folder (single file or shards + index). */
async function openReleased(path: string): Promise<{ files: SafetensorsFile[]; configPath: string | null }> {
  let isDir: boolean;
  try {
    isDir = (await Deno.stat(path)).isDirectory;
  } catch {
    throw new Error(`Cannot read released RPN weights "${path}": file not found`);
  }
  if (!isDir) return { files: [await openSafetensors(path)], configPath: null };
  const index = join(path, "model.safetensors.index.json");
  let names: string[];
  try {
    const map =
      (JSON.parse(await Deno.readTextFile(index)) as { weight_map?: Record<string, string> }).weight_map;
    if (map === null || typeof map !== "object") throw new Error(`key "weight_map" is not an object`);
    // Only the shards that hold twig tensors are opened (the rest is the base model).
    names = [...new Set(Object.entries(map).filter(([k]) => k.includes("twig_")).map(([, v]) => String(v)))];
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new Error(`Cannot read "${index}": ${(error as Error).message}`);
    }
    names = ["model.safetensors"];
  }
  const files: SafetensorsFile[] = [];
  try {
    for (const name of names.sort()) files.push(await openSafetensors(join(path, name)));
  } catch (error) {
    for (const f of files) f.close();
    throw error;
  }
  return { files, configPath: join(path, "config.json") };
}

/**
 * The released twig as RPN weights (lib/roi names `rpn.layers.<i>.<leaf>`, `rpn.norm`) for backbone depth
 * `backbone` and branch depth `branch` on a model with decoder config `cfg`. Errors name the file and
 * tensor: a missing tensor, a shape that is not the model's, a twig of another depth, a `twig_K`/`twig_T`
 * in config.json that differs from the requested B and R.
 */
export async function loadReleasedRpn(
  path: string,
  cfg: LlamaTextConfig,
  shape: { backbone: number; branch: number },
): Promise<TensorMap> {
  const { files, configPath } = await openReleased(path);
  try {
    if (configPath !== null) await checkTwigConfig(configPath, shape);
    const where = new Map<string, SafetensorsFile>();
    for (const f of files) for (const name of f.tensors.keys()) where.set(name, f);
    const shown = files.length === 1 ? files[0]!.path : path;
    const stored = new Set(
      [...where.keys()].filter((n) => n.startsWith("model.twig_layers.")).map((n) => Number(n.split(".")[2])),
    );
    if (stored.size !== shape.branch || !stored.has(shape.branch - 1)) {
      throw new Error(
        `Cannot read released RPN weights "${shown}": it holds ${stored.size} twig layers, expected R=${shape.branch}`,
      );
    }
    const out: TensorMap = {};
    const take = async (name: string, leaf: string, target: string) => {
      const file = where.get(name);
      if (!file) throw new Error(`Cannot read released RPN weights "${shown}": tensor "${name}" is missing`);
      const entry = file.tensors.get(name)!;
      const want = torchShape(leaf, cfg);
      if (entry.shape.join(",") !== want.join(",")) {
        throw new Error(
          `Cannot read "${file.path}": tensor "${name}" has shape [${entry.shape}], expected [${want}]`,
        );
      }
      const data = await file.read(name);
      out[target] = want.length === 2
        ? { shape: [want[1]!, want[0]!], data: transpose(data, want[0]!, want[1]!) }
        : { shape: want, data };
    };
    for (let i = 0; i < shape.branch; i++) {
      for (const leaf of layerLeaves(cfg, i < shape.branch - 1 ? "all" : "queryKey")) {
        await take(releasedName(i, leaf), leaf, `rpn.layers.${i}.${leaf}`);
      }
    }
    await take(RELEASED_NORM, "inputNorm", "rpn.norm");
    return out;
  } finally {
    for (const f of files) f.close();
  }
}

async function checkTwigConfig(path: string, shape: { backbone: number; branch: number }): Promise<void> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw new Error(`Cannot read "${path}": ${(error as Error).message}`);
  }
  const check = (key: string, want: number, what: string) => {
    const v = json[key];
    if (v !== undefined && v !== want) {
      throw new Error(
        `Cannot use released RPN weights: "${path}" has ${key} ${
          JSON.stringify(v)
        }, expected ${what}=${want}`,
      );
    }
  };
  check("twig_K", shape.backbone, "B");
  check("twig_T", shape.branch, "R");
}
