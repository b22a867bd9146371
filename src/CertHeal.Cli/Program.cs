using System.Text;
using CertHeal.Cli;

// Console.Out writes through a 256-character buffer: one `certheal test --json` result (about
// 6 KB) became two dozen write(2) calls, 240,000 for 10,000 targets. The same stream with a buffer
// that holds a whole result writes it in one call; AutoFlush keeps every Write visible at once
// (streamed results, prompts on stderr still ordered after what stdout printed before them).
NativeHeap.LimitArenas();
if (args is ["test" or "chain", ..])
{
    MachineStoreBypass.Apply();
}
var encoding = Console.OutputEncoding.CodePage == Encoding.UTF8.CodePage ? new UTF8Encoding(false) : Console.OutputEncoding;
await using var stdout = new StreamWriter(Console.OpenStandardOutput(), encoding, 64 * 1024) { AutoFlush = true };
return await CliApp.RunAsync(args, stdout, Console.Error, CancellationToken.None);
