using Hangfire;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;

namespace JobExporter.Hangfire.Tests.Support;

/// <summary>
/// A working Hangfire storage whose monitoring API (what the backlog reporter reads, and jobs never use) throws or
/// hangs until released. Everything else goes to the inner storage, so jobs run as usual.
/// </summary>
internal sealed class FaultyStorage(JobStorage inner) : JobStorage
{
    private int _reads;

    /// <summary>When set, a read throws this.</summary>
    public Exception? Throw { get; set; }

    /// <summary>When set, a read waits until it is released.</summary>
    public ManualResetEventSlim? Hang { get; set; }

    /// <summary>Reads of the monitoring API begun so far.</summary>
    public int Reads => Volatile.Read(ref _reads);

    public override IMonitoringApi GetMonitoringApi()
    {
        Interlocked.Increment(ref _reads);
        if (Throw is { } ex) throw ex;
        Hang?.Wait();
        return inner.GetMonitoringApi();
    }

    public override IStorageConnection GetConnection() => inner.GetConnection();
    public override IStorageConnection GetReadOnlyConnection() => inner.GetReadOnlyConnection();
    [Obsolete("Hangfire's own obsolete member, passed on: some storages still hand their processes over this way.")]
    public override IEnumerable<IServerComponent> GetComponents() => inner.GetComponents();
    public override IEnumerable<IBackgroundProcess> GetServerRequiredProcesses() => inner.GetServerRequiredProcesses();
    public override IEnumerable<IBackgroundProcess> GetStorageWideProcesses() => inner.GetStorageWideProcesses();
    public override IEnumerable<IStateHandler> GetStateHandlers() => inner.GetStateHandlers();
    public override bool HasFeature(string featureId) => inner.HasFeature(featureId);
    public override bool LinearizableReads => inner.LinearizableReads;
}
