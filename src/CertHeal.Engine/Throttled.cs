using System.Threading.Channels;

namespace CertHeal;

/// <summary>
/// Runs work over many items with a bounded number in flight and streams each result as it
/// completes; the one place multi-target stages get their parallelism, so every stage honours
/// -ThrottleLimit and cancellation the same way.
/// </summary>
public static class Throttled
{
    public static ChannelReader<TOut> Stream<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, CancellationToken, Task<TOut>> work,
        int throttleLimit, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<TOut>(new UnboundedChannelOptions { SingleReader = true });
        _ = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(items, new ParallelOptions
                {
                    MaxDegreeOfParallelism = Math.Max(1, throttleLimit),
                    CancellationToken = cancellationToken,
                }, async (item, token) =>
                    await channel.Writer.WriteAsync(await work(item, token).ConfigureAwait(false), token).ConfigureAwait(false))
                    .ConfigureAwait(false);
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
        }, CancellationToken.None);
        return channel.Reader;
    }
}
