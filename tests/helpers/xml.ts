// A strict-enough XML well-formedness check for the SVG we write (no dependency):
// balanced tags, quoted attributes, no raw '<' or stray '&' in text. Returns element counts.
export function checkWellFormedXml(xml: string): Map<string, number> {
  const counts = new Map<string, number>();
  const stack: string[] = [];
  const tag = /<[^>]*>/g;
  let last = 0;
  let roots = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    checkText(xml.slice(last, m.index));
    last = m.index + m[0].length;
    const t = m[0];
    if (t.startsWith('<?')) {
      if (!t.endsWith('?>') || m.index !== 0) throw new Error(`bad XML declaration ${t}`);
      continue;
    }
    if (t.startsWith('</')) {
      const name = t.slice(2, -1).trim();
      const open = stack.pop();
      if (open !== name) throw new Error(`closing </${name}> does not match <${open}>`);
      continue;
    }
    const inner = /^<([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>$/.exec(t);
    if (!inner) throw new Error(`malformed tag ${t.slice(0, 80)}`);
    const name = inner[1]!;
    const attrs = [...inner[2]!.matchAll(/([\w:-]+)=/g)].map((a) => a[1]);
    if (new Set(attrs).size !== attrs.length) throw new Error(`duplicate attribute in ${t.slice(0, 80)}`);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (stack.length === 0) roots++;
    if (inner[3] !== '/') stack.push(name);
  }
  checkText(xml.slice(last));
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`expected one root element; got ${roots}`);
  return counts;
}

function checkText(text: string): void {
  if (text.includes('<')) throw new Error(`raw '<' in text`);
  const amp = /&(?!(amp|lt|gt|quot|apos|#\d+);)/.exec(text);
  if (amp) throw new Error(`unescaped '&' in text near ${JSON.stringify(text.slice(amp.index, amp.index + 10))}`);
}
