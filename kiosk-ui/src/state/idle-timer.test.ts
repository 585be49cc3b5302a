import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_IDLE_MS, IdleTimer } from './idle-timer.js';

describe('IdleTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('defaults to 30 seconds', () => {
    expect(DEFAULT_IDLE_MS).toBe(30_000);
    expect(new IdleTimer(() => {}).timeoutMs).toBe(30_000);
  });

  it('fires once after the timeout, then disarms', () => {
    const onIdle = vi.fn();
    const t = new IdleTimer(onIdle);
    t.arm();
    vi.advanceTimersByTime(29_999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    expect(t.armed).toBe(false);
    vi.advanceTimersByTime(120_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('restarts the countdown on every touch while armed', () => {
    const onIdle = vi.fn();
    const t = new IdleTimer(onIdle, 1_000);
    t.arm();
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(900);
      expect(t.touch()).toBe(true);
    }
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('ignores touches while disarmed (idle screen)', () => {
    const onIdle = vi.fn();
    const t = new IdleTimer(onIdle, 1_000);
    expect(t.touch()).toBe(false);
    vi.advanceTimersByTime(5_000);
    expect(onIdle).not.toHaveBeenCalled();
    expect(t.armed).toBe(false);
  });

  it('never fires after disarm', () => {
    const onIdle = vi.fn();
    const t = new IdleTimer(onIdle, 1_000);
    t.arm();
    vi.advanceTimersByTime(500);
    t.disarm();
    vi.advanceTimersByTime(5_000);
    expect(onIdle).not.toHaveBeenCalled();
  });

  it('re-arming (a new tap) starts a full new countdown', () => {
    const onIdle = vi.fn();
    const t = new IdleTimer(onIdle, 1_000);
    t.arm();
    vi.advanceTimersByTime(800);
    t.arm();
    vi.advanceTimersByTime(800);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(200);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('works with an injected timer host', () => {
    const pending: Array<() => void> = [];
    const host = { setTimeout: (fn: () => void) => pending.push(fn), clearTimeout: () => {} };
    const onIdle = vi.fn();
    new IdleTimer(onIdle, 10, host).arm();
    expect(pending).toHaveLength(1);
    pending[0]!();
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('rejects a non-positive timeout', () => {
    expect(() => new IdleTimer(() => {}, 0)).toThrow(RangeError);
  });
});
