import { createProgress, formatDuration, formatRate } from '../../packages/sampler/dist/cli/progress.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, columns: 200, chunks, write: (c: string) => chunks.push(c) };
}

describe('progress', () => {
  test('on a TTY: a redrawn bar with steps/s, throttled, and a final newline', () => {
    const stream = fakeStream(true);
    let clock = 0;
    const p = createProgress({ label: 'sample', total: 100, stream, now: () => clock });
    clock = 500;
    p.update(50);
    clock = 550; // within the redraw interval: no output
    p.update(55);
    clock = 1000;
    p.finish();
    expect(stream.chunks).toHaveLength(2);
    expect(stream.chunks[0]).toBe('\r\x1b[Ksample [##########----------] 50/100 steps (50%)  100 steps/s  eta 500 ms');
    expect(stream.chunks[1]).toBe('\r\x1b[Ksample [###########---------] 55/100 steps (55%)  55.0 steps/s  1.0 s\n');
  });

  test('not on a TTY: plain lines at most every interval, plus the final line', () => {
    const stream = fakeStream(false);
    let clock = 0;
    const p = createProgress({
      label: 'train',
      total: 10,
      unit: 'steps',
      stream,
      now: () => clock,
      plainIntervalMs: 1000,
    });
    for (let k = 1; k <= 10; k++) {
      clock = k * 300;
      p.update(k, `loss ${k}`);
    }
    p.finish('done');
    p.finish('twice');
    expect(stream.chunks.every((c) => c.endsWith('\n') && !c.includes('\r'))).toBe(true);
    expect(stream.chunks[0]).toBe('train: 1/10 steps (10%)  3.33 steps/s  eta 2.7 s  loss 1\n');
    expect(stream.chunks[1]).toBe('train: 5/10 steps (50%)  3.33 steps/s  eta 1.5 s  loss 5\n');
    expect(stream.chunks.at(-1)).toBe('train: 10/10 steps (100%)  3.33 steps/s  3.0 s  done\n');
    expect(stream.chunks).toHaveLength(4);
  });

  test('disabled progress writes nothing', () => {
    const stream = fakeStream(true);
    const p = createProgress({ label: 'x', total: 3, stream, enabled: false });
    p.update(1);
    p.finish();
    expect(stream.chunks).toHaveLength(0);
  });

  test('rates and durations read well', () => {
    expect(formatRate(1234.5)).toBe('1.23k');
    expect(formatRate(2.5e6)).toBe('2.50M');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});
