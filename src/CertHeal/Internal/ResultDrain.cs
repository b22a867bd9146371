using System.Management.Automation;
using System.Threading.Channels;

namespace CertHeal.Internal;

/// <summary>
/// Engine work runs on worker threads and streams results into a channel; this drains it on
/// the pipeline thread (the only thread allowed to call Write*), with one progress bar.
/// </summary>
internal static class ResultDrain
{
    /// <summary>Writes each item as an object, with a verbose line describing it.</summary>
    public static void Drain<T>(Cmdlet cmdlet, ChannelReader<T> reader, int total, int activityId, string activity,
        Func<T, string> describe, CancellationToken cancellationToken) =>
        Drain(cmdlet, reader, total, activityId, activity, (Action<T>)(item =>
        {
            cmdlet.WriteVerbose(describe(item));
            cmdlet.WriteObject(item);
        }), cancellationToken);

    /// <summary>Hands each item to <paramref name="write"/> (on the pipeline thread) and advances the progress bar.</summary>
    public static void Drain<T>(Cmdlet cmdlet, ChannelReader<T> reader, int total, int activityId, string activity,
        Action<T> write, CancellationToken cancellationToken)
    {
        var done = 0;
        // A new record per write: hosts and PowerShell.Streams.Progress keep the objects they are
        // given, so one mutated record would make every stored update show the last state.
        ProgressRecord Progress(int percent, ProgressRecordType type) =>
            new(activityId, activity, $"{done} of {total}") { PercentComplete = percent, RecordType = type };
        try
        {
            while (reader.WaitToReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var item))
                {
                    done++;
                    write(item);
                    if (total > 1)
                    {
                        cmdlet.WriteProgress(Progress(Math.Min(100, done * 100 / total), ProgressRecordType.Processing));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // StopProcessing asked for this; PowerShell ends the pipeline itself.
        }
        finally
        {
            if (total > 1 && !cancellationToken.IsCancellationRequested)
            {
                cmdlet.WriteProgress(Progress(100, ProgressRecordType.Completed));
            }
        }
    }
}
