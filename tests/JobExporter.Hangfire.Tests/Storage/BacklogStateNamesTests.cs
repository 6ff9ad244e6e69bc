using System.Reflection;
using JobExporter.Hangfire.Backlog;
using JobExporter.HangfireStorage;

namespace JobExporter.Hangfire.Tests.Storage;

/// <summary>The emitter's state names are the exporter's: a name the exporter does not know would never become a series.</summary>
public sealed class BacklogStateNamesTests
{
    [Test]
    public void Every_state_the_backlog_reader_counts_is_one_the_exporter_shows()
    {
        var emitted = typeof(BacklogStates).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!);
        Assert.That(emitted, Is.EquivalentTo(HangfireJobStates.All));
    }
}
