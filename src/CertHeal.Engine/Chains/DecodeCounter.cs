namespace CertHeal;

/// <summary>
/// Counts how often the engine decoded a certificate's key, extensions or dates: the mutation
/// test reads it to prove damaged certificates reached the decoders and were not all stopped
/// by a store's integrity check.
/// </summary>
internal static class DecodeCounter
{
    private static long keys;
    private static long extensions;
    private static long dates;

    public static long Keys => Interlocked.Read(ref keys);

    public static long Extensions => Interlocked.Read(ref extensions);

    public static long Dates => Interlocked.Read(ref dates);

    public static void Key() => Interlocked.Increment(ref keys);

    public static void Extension() => Interlocked.Increment(ref extensions);

    public static void Date() => Interlocked.Increment(ref dates);
}
