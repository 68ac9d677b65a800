import assert from "node:assert/strict";
import { formatTable } from "./table.ts";

Deno.test("formatTable() pads text left-aligned and numbers right-aligned", () => {
  const text = formatTable(["name", "acc"], [["a", "48.7"], ["long", "5%"]]);
  assert.equal(
    text,
    [
      "| name |  acc |",
      "|------|-----:|",
      "| a    | 48.7 |",
      "| long |   5% |",
    ].join("\n"),
  );
});

Deno.test("formatTable() treats signed values, including the Unicode minus, as numbers", () => {
  const text = formatTable(["d"], [["+1.5"], ["−2"], ["-10"]]);
  assert.equal(text, ["|    d |", "|-----:|", "| +1.5 |", "|   −2 |", "|  -10 |"].join("\n"));
});

Deno.test("formatTable() left-aligns a column as soon as one cell is not a number", () => {
  const text = formatTable(["n"], [["12"], ["n/a"]]);
  assert.equal(text, ["| n   |", "|-----|", "| 12  |", "| n/a |"].join("\n"));
});

Deno.test("formatTable() with no rows prints the header and a right-aligned rule", () => {
  assert.equal(formatTable(["x"], []), "| x |\n|--:|");
});

Deno.test("formatTable() gives a row shorter than the header empty cells", () => {
  assert.equal(formatTable(["a", "b"], [["x"]]), "| a | b |\n|---|--:|\n| x |   |");
});
