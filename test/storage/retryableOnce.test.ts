import { retryableOnce } from '../../shared/retryableOnce';

describe('retryableOnce', () => {
  it('runs the work once for concurrent and later callers', async () => {
    let runs = 0;
    const ensure = retryableOnce(async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    });
    await Promise.all([ensure(), ensure(), ensure()]);
    await ensure();
    expect(runs).toBe(1);
  });

  it('forgets a failure, so the next call tries again, and then keeps the success', async () => {
    let runs = 0;
    const ensure = retryableOnce(async () => {
      runs++;
      if (runs === 1) throw new Error('storage is starting');
    });
    await expect(ensure()).rejects.toThrow('storage is starting');
    await expect(ensure()).resolves.toBeUndefined();
    await ensure();
    expect(runs).toBe(2);
  });
});
