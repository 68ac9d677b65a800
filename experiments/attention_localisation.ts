/**
 * Where the teacher's attention looks (analysis only; issue 3). SD-RPN's labels are the teacher's
 * answer→image attention at the grounding layer; if that map does not concentrate on the target, no RPN
 * trained on it can localise. For `n` questions per suite of the training suites (the teacher's questions:
 * the first `n` of each suite in the teacher set of `teacher.dataSeed`, lib/roi/teacher_cache.ts
 * `teacherSample`) and of the evaluation suites, the model answers greedily once, capturing the attention of
 * its fed-back answer tokens at every decoder layer (spec §1: mean over answer tokens; per head and mean
 * over heads). Each map is measured against the true target box (lib/roi/attention_localisation.ts): share
 * of its image mass on the target cells, the uniform map's share (chance), whether its peak is on the
 * target. The grounding layer's map after attention-based sink removal (what label assignment reads) is
 * measured too; the early-layer sink map itself is the `layer = teacher.sinkLayer, head = all` row. Also how
 * often those answers are correct, so a map can be read against whether the model looked at all.
 *
 * Rows: lib/experiment/conventions.ts `ATTENTION_LOCALISATION`. The true box never feeds anything but these
 * measurements. Deterministic: no seed enters (one seed is recorded).
 *
 *   deno task attention_localisation [--scale quick|default|full] [--set n=40]
 */
import { z } from "zod";
import type { SampleMeta } from "../lib/data/schema.ts";
import { progress } from "../lib/cli/mod.ts";
import { scoreAnswer } from "../lib/eval/metrics.ts";
import type { RowKey } from "../lib/eval/rows.ts";
import {
  ATTENTION_LOCALISATION as AL,
  experimentConfigFields,
  EXPERIMENTS,
  METRICS,
  runExperiment,
} from "../lib/experiment/mod.ts";
import type { Mllm } from "../lib/model/mllm.ts";
import { type AttentionMaps, captureGenerated, headAverage } from "../lib/roi/attention.ts";
import { localiseMap, type MapLocalisation, targetCells } from "../lib/roi/attention_localisation.ts";
import { applySinkMask, attentionSinkMask, attentionSinkThreshold } from "../lib/roi/sinks.ts";
import { type TeacherConfig, teacherSample } from "../lib/roi/teacher_cache.ts";

const Config = z.strictObject({
  ...experimentConfigFields,
  n: z.int().positive().default(100).describe("questions per suite (training and evaluation suites)"),
});

/** One question: what is measured, and the letterboxed image the model sees. */
interface Question {
  sample: SampleMeta;
  pixels: Float32Array;
}

await runExperiment({
  name: EXPERIMENTS.attentionLocalisation,
  description: "Analysis: does the teacher's answer→image attention look at the target? (per layer and head)",
  schema: Config,
  seeded: false,
}, async (exp) => {
  const cfg = exp.config;
  const model = exp.model;
  const { grid, tokens: N, encoderSize: S } = model.counts;
  const L = model.counts.layers, H = model.counts.heads;
  const { layer: groundingLayer, sinkLayer } = cfg.teacher;
  for (const l of [groundingLayer, sinkLayer]) {
    if (l >= L) throw new Error(`Layer "${l}" does not exist (the model has ${L} decoder layers)`);
  }
  const tauSink = cfg.variant.sinkThreshold ?? attentionSinkThreshold(N);
  const labelHeads = cfg.variant.heads;
  const removedHead = labelHeads ? labelHeads.join(",") : AL.allHeads;
  for (const h of labelHeads ?? []) {
    if (h >= H) throw new Error(`Head "${h}" does not exist (the model has ${H} heads)`);
  }
  const layers = Array.from({ length: L }, (_, layer) => ({ layer }));

  const train = await teacherQuestions(cfg.teacher, cfg.n, model);
  const evaluation = (await exp.suites()).map((s) => ({
    name: s.name as string,
    questions: s.items.map((it): Question => ({ sample: it.sample, pixels: it.pixels })),
  }));

  const withoutMap = { train: 0, eval: 0 };
  for (const [split, suites] of [[AL.splits.train, train], [AL.splits.eval, evaluation]] as const) {
    for (const { name, questions } of suites) {
      const maps = await capture(questions, `${exp.name} ${split} ${name}`);
      const splitKey: RowKey = { method: AL.method, extra: { split } };
      exp.table.addValues(
        METRICS.accuracy,
        splitKey,
        name,
        questions.map(({ sample }, i) =>
          100 * scoreAnswer(sample.metric, maps[i]!.answer, sample.answers, sample.options)
        ),
      );
      exp.table.addValues(AL.metrics.hasMap, splitKey, name, maps.map((m) => (m.queries > 0 ? 1 : 0)));
      const measured = questions.flatMap(({ sample }, i) =>
        maps[i]!.queries > 0 ? [{ sample, m: maps[i]! }] : []
      );
      withoutMap[split] += questions.length - measured.length;
      if (measured.length === 0) {
        exp.note(`${split} ${name}: every answer is one token, so no map was measured`);
        continue;
      }
      // Per key (layer, head), per question: the measures of that map.
      const values = new Map<string, { key: RowKey; m: MapLocalisation[] }>();
      const add = (extra: Record<string, unknown>, map: ArrayLike<number>, cells: number[]) => {
        const key: RowKey = { method: AL.method, extra: { ...extra, split } };
        const id = JSON.stringify(key.extra);
        const entry = values.get(id) ?? { key, m: [] };
        entry.m.push(localiseMap(map, cells));
        values.set(id, entry);
      };
      const sinkCells: number[] = [], sinkOnTarget: number[] = [];
      for (const { sample, m } of measured) {
        const cells = targetCells(sample, { grid, size: S });
        for (let layer = 0; layer < L; layer++) {
          add({ layer, head: AL.allHeads }, m.maps[layer]!, cells);
          const perHead = m.perHead[layer]!;
          for (let h = 0; h < H; h++) add({ layer, head: h }, perHead.subarray(h * N, (h + 1) * N), cells);
        }
        // The map label assignment reads: the label heads' grounding map with the sink cells zeroed; and how
        // many cells, and how many of the target's, attention-based sink removal zeroes.
        const grounding = labelHeads
          ? headAverage(m.perHead[groundingLayer]!, H, N, labelHeads)
          : m.maps[groundingLayer]!;
        const sinks = attentionSinkMask(m.maps[sinkLayer]!, tauSink);
        add(
          { layer: groundingLayer, head: removedHead, sinks: "removed" },
          applySinkMask(grounding, sinks),
          cells,
        );
        sinkCells.push(sinks.reduce((a, x) => a + x, 0) / N);
        sinkOnTarget.push(cells.filter((j) => sinks[j] === 1).length / cells.length);
      }
      const removedKey: RowKey = {
        method: AL.method,
        extra: { layer: groundingLayer, head: removedHead, sinks: "removed", split },
      };
      for (const { key, m } of values.values()) {
        exp.table.addValues(AL.metrics.massInBox, key, name, m.map((x) => x.massInBox));
        exp.table.addValues(AL.metrics.boxShare, key, name, m.map((x) => x.boxShare));
        exp.table.addValues(AL.metrics.argmaxInBox, key, name, m.map((x) => (x.argmaxInBox ? 1 : 0)));
        exp.table.addValues(AL.metrics.massExcess, key, name, m.map((x) => x.massInBox - x.boxShare));
      }
      exp.table.addValues(AL.metrics.sinkCells, removedKey, name, sinkCells);
      exp.table.addValues(AL.metrics.sinkOnTarget, removedKey, name, sinkOnTarget);
    }
  }

  const tau = round(tauSink);
  exp.note(
    `attention_localisation: answer→image attention of the self-generated answers (greedy, ≤ ` +
      `${cfg.teacher.maxNewTokens} tokens) at every one of the ${L} decoder layers, per head (${H}) and mean ` +
      `over heads; grounding layer ${groundingLayer}, sink layer ${sinkLayer} (its all-head map is the sink ` +
      `map), sink-removed map with τ_sink = ${tau}. Training split: the first ${cfg.n} questions ` +
      `of each of ${cfg.teacher.suites.join(", ")} in the teacher set (data seed ${cfg.teacher.dataSeed}); ` +
      `evaluation split: the first ${cfg.n} of each evaluation suite (data seed ${cfg.dataSeed}). ` +
      `Questions whose answer is one token have no map and are left out of the map metrics ` +
      `(train ${withoutMap.train}, eval ${withoutMap.eval}).`,
  );
  exp.note(
    "Target cells (analysis only): the cells whose centre, mapped through the letterbox to source pixels, " +
      "lies in the true box [x0, x1) × [y0, y1); when none does, the cell holding the box's centre. " +
      "mass_in_box = target mass / the map's image mass; box_share = target cells / N (a uniform map's " +
      "mass_in_box and the chance level of argmax_in_box); mass_excess = mass_in_box − box_share per question; " +
      "sink_cells / sink_on_target = share of all cells / of the target cells that are sinks.",
  );

  /** Answer the questions in batches, capturing every layer's map; progress per suite. */
  async function capture(questions: Question[], label: string): Promise<AttentionMaps[]> {
    const bar = progress(label, questions.length);
    const out: AttentionMaps[] = [];
    for (let s = 0; s < questions.length; s += cfg.batchSize) {
      const batch = questions.slice(s, s + cfg.batchSize);
      const items = batch.map((q) => ({
        question: q.sample.question,
        blocks: [{ pixels: q.pixels }],
      }));
      out.push(...await captureGenerated(model, items, layers, { maxNewTokens: cfg.teacher.maxNewTokens }));
      bar.tick(batch.length);
    }
    bar.done();
    return out;
  }
});

/**
 * The first `n` questions of each training suite in the teacher set (`teacherSample` order: what the
 * teacher pass labels), with their letterboxed images.
 */
async function teacherQuestions(
  teacher: Pick<TeacherConfig, "dataSeed" | "suites">,
  n: number,
  model: Mllm,
): Promise<{ name: string; questions: Question[] }[]> {
  const bySuite = new Map<string, Question[]>(teacher.suites.map((s) => [s, []]));
  const limit = 50 * n * teacher.suites.length;
  for (let i = 0; [...bySuite.values()].some((q) => q.length < n); i++) {
    if (i >= limit) {
      throw new Error(`The teacher set has fewer than ${n} questions of some suite in ${limit}`);
    }
    const { sample, image } = teacherSample(teacher, i);
    const list = bySuite.get(sample.suite)!;
    if (list.length < n) list.push({ sample, pixels: await model.encodeImage(image) });
  }
  return [...bySuite].map(([name, questions]) => ({ name, questions }));
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}
