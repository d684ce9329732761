// The Prometheus text exposition format (version 0.0.4), as the bridges and matchers serve it on
// /metrics: one sample per line, `name{label="value",...} value [timestamp]`, comments and blank
// lines skipped. Parsed in one linear pass; a line that does not parse is counted, not fatal (a
// scrape is for display, and one odd series must not hide the rest). Pure.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ParsedMetrics {
  readonly samples: readonly Sample[];
  /** Lines that were neither comments nor samples. */
  readonly unreadableLines: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

export function parsePrometheusText(text: string): ParsedMetrics {
  const samples: Sample[] = [];
  let unreadableLines = 0;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const sample = parseSampleLine(line);
    if (sample === undefined) unreadableLines++;
    else samples.push(sample);
  }
  return { samples, unreadableLines };
}

function parseSampleLine(line: string): Sample | undefined {
  const nameMatch = NAME.exec(line);
  if (nameMatch === null) return undefined;
  const name = nameMatch[0];
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    const parsed = parseLabels(rest);
    if (parsed === undefined) return undefined;
    Object.assign(labels, parsed.labels);
    rest = rest.slice(parsed.length);
  }
  const fields = rest.trim().split(/\s+/);
  const valueText = fields[0];
  if (valueText === undefined || valueText === "" || fields.length > 2) return undefined;
  const value = parseValue(valueText);
  return value === undefined ? undefined : { name, labels, value };
}

/** `{a="x",b="y\"z"}` -> labels and the number of characters read (the braces included). */
function parseLabels(text: string): { labels: Record<string, string>; length: number } | undefined {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (text[i] === " " || text[i] === ",") i++;
    if (text[i] === "}") return { labels, length: i + 1 };
    const key = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
    if (key === null) return undefined;
    i += key[0].length;
    if (text[i] !== "=" || text[i + 1] !== '"') return undefined;
    i += 2;
    let value = "";
    for (;;) {
      const c = text[i];
      if (c === undefined) return undefined;
      if (c === '"') break;
      if (c === "\\") {
        const next = text[i + 1];
        value += next === "n" ? "\n" : (next ?? "");
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    labels[key[0]] = value;
    i++;
  }
}

function parseValue(text: string): number | undefined {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

/** The sum of every sample of `name` whose labels include `where` (undefined: none such). */
export function sumOf(samples: readonly Sample[], name: string, where: Readonly<Record<string, string>> = {}): number | undefined {
  let total: number | undefined;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (!Object.entries(where).every(([k, v]) => sample.labels[k] === v)) continue;
    total = (total ?? 0) + sample.value;
  }
  return total;
}
