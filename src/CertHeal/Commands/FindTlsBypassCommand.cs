using System.Diagnostics;
using System.Management.Automation;
using CertHeal.Discovery;
using CertHeal.Internal;

namespace CertHeal.Commands;

/// <summary>
/// Find-TlsBypass: where certificate validation was switched off (process environments and
/// command lines, shell/service files, scripts, client configuration), one TlsBypass per switch
/// with the heal that makes it unnecessary. Read-only: it never edits a file.
/// </summary>
[Cmdlet(VerbsCommon.Find, "TlsBypass")]
[OutputType(typeof(TlsBypass))]
public sealed class FindTlsBypassCommand : PSCmdlet, IDisposable
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
    private readonly List<int> _pids = [];
    private readonly List<string> _paths = [];
    private readonly CancellationTokenSource _cancel = new();

    // Set once -Path or -ProcessId named something, even if every name was bad: then the machine is not scanned instead.
    private bool _named;

    /// <summary>Binds Id from Get-Process by property name.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateRange(1, int.MaxValue)]
    public int[] ProcessId { get; set; } = [];

    [Parameter]
    public SwitchParameter AllProcesses { get; set; }

    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter]
    [ValidateRange(0, 64)]
    public int Depth { get; set; } = 6;

    protected override void ProcessRecord()
    {
        _named |= ProcessId.Length > 0 || Path.Length > 0;
        foreach (var pid in ProcessId)
        {
            if (TlsBypassScanner.IsRunning(pid))
            {
                _pids.Add(pid);
            }
            else
            {
                WriteError(new ErrorRecord(new ArgumentException($"No process with id {pid} is running; check the id (Get-Process), or use -AllProcesses."),
                    ErrorIds.ProcessNotFound, ErrorCategory.ObjectNotFound, pid));
            }
        }
        foreach (var path in Path)
        {
            _paths.AddRange(Resolve(path));
        }
    }

    protected override void EndProcessing()
    {
        if (_named && _pids.Count == 0 && _paths.Count == 0 && !AllProcesses)
        {
            return; // every name was bad (each has its error): scanning the whole machine instead would answer another question
        }
        var options = new BypassScanOptions { ProcessIds = _pids, AllProcesses = AllProcesses, Paths = _paths, MaxDepth = Depth, Vocabulary = PowerShellVocabulary.Instance };
        var progress = new ProgressRecord(1, "Find-TlsBypass", "Reading environments and files");
        var clock = Stopwatch.StartNew();
        var shown = false;
        void Report(string item, int done)
        {
            if (clock.Elapsed >= ProgressInterval)
            {
                progress.StatusDescription = $"{done} read";
                progress.CurrentOperation = item;
                WriteProgress(progress);
                shown = true;
                clock.Restart();
            }
        }
        try
        {
            foreach (var found in TlsBypassScanner.Scan(options, verbose: WriteVerbose, progress: Report, cancellationToken: _cancel.Token))
            {
                WriteObject(found);
            }
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
        }
        if (shown)
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose() => _cancel.Dispose();


    /// <summary>File-system paths for one -Path value (wildcards expanded); each bad one is a non-terminating error.</summary>
    private List<string> Resolve(string path)
    {
        try
        {
            ProviderInfo provider;
            List<string> resolved;
            if (WildcardPattern.ContainsWildcardCharacters(path))
            {
                // With force, so ~/.*rc matches: the files this cmdlet is for are mostly dotfiles, which the provider hides from wildcards.
                var items = SessionState.InvokeProvider.Item.Get([path], true, false);
                provider = items.Select(i => i.Properties["PSProvider"]?.Value).OfType<ProviderInfo>().FirstOrDefault() ?? SessionState.Path.CurrentLocation.Provider;
                resolved = [.. items.Select(i => i.BaseObject).OfType<FileSystemInfo>().Select(i => i.FullName)];
            }
            else
            {
                resolved = [SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _)];
            }
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                throw new ItemNotFoundException($"-Path '{path}' is a {provider.Name} path; name files or folders of the file system.");
            }
            var existing = resolved.Where(p => File.Exists(p) || Directory.Exists(p)).ToList();
            if (existing.Count == 0)
            {
                throw new ItemNotFoundException($"-Path '{path}' does not exist; check the path.");
            }
            return existing;
        }
        catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException or ArgumentException)
        {
            var message = e is ItemNotFoundException { Message: var text } && text.StartsWith("-Path", StringComparison.Ordinal) ? text : $"-Path '{path}' cannot be read: {e.Message.TrimEnd('.')}; check the path.";
            WriteError(new ErrorRecord(new ItemNotFoundException(message, e), ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, path));
            return [];
        }
    }
}
