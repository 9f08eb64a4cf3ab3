/**
 * Minimal SVG writing: escaped text, elements from attribute objects, and
 * numbers rounded to 0.01 px so files stay small.
 * @packageDocumentation
 */

/** Attribute values; `undefined` attributes are omitted. */
export type Attributes = Readonly<Record<string, string | number | undefined>>;

/**
 * Escapes text for use in XML content and attribute values.
 *
 * @example
 * ```ts
 * import { escapeXml } from '@sgmkit/sampler';
 * escapeXml('a < b & "c"'); // 'a &lt; b &amp; &quot;c&quot;'
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Rounds a coordinate to 0.01 so that files stay small; sub-pixel detail is invisible anyway. */
export function px(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function renderAttributes(attributes: Attributes): string {
  let out = '';
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    out += ` ${key}="${typeof value === 'number' ? px(value) : escapeXml(value)}"`;
  }
  return out;
}

/** One element; self-closing when it has no children. Children are already-rendered markup. */
export function element(name: string, attributes: Attributes, children?: string | readonly string[]): string {
  const body = Array.isArray(children) ? children.join('') : ((children as string | undefined) ?? '');
  return body === ''
    ? `<${name}${renderAttributes(attributes)}/>`
    : `<${name}${renderAttributes(attributes)}>${body}</${name}>`;
}

/** A text element with escaped content. */
export function text(x: number, y: number, content: string, attributes: Attributes = {}): string {
  return element('text', { x, y, ...attributes }, escapeXml(content));
}

/** A complete standalone SVG document. */
export function svgDocument(width: number, height: number, body: readonly string[], title?: string): string {
  const head = `<?xml version="1.0" encoding="UTF-8"?>\n`;
  const titleElement = title ? element('title', {}, escapeXml(title)) : '';
  const background = element('rect', { x: 0, y: 0, width, height, fill: 'white' });
  return (
    head +
    element(
      'svg',
      {
        xmlns: 'http://www.w3.org/2000/svg',
        width,
        height,
        viewBox: `0 0 ${px(width)} ${px(height)}`,
        'font-family': 'Helvetica, Arial, sans-serif',
        'font-size': 12,
      },
      [titleElement, background, ...body],
    ) +
    '\n'
  );
}
