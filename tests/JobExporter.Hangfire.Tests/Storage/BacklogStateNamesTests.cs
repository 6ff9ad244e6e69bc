using System.Reflection;
using JobExporter.Contracts;

namespace JobExporter.Hangfire.Tests.Storage;

/// <summary>
/// The emitter's backlog reader and the exporter share HangfireJobStates; the exporter shows only the states in its
/// <c>All</c> list, so a state name left out of it would be sent and never become a series.
/// </summary>
public sealed class BacklogStateNamesTests
{
    [Test]
    public void Every_state_name_the_backlog_reader_can_count_is_one_the_exporter_shows()
    {
        var names = typeof(HangfireJobStates).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!);
        Assert.That(names, Is.EquivalentTo(HangfireJobStates.All));
    }
}
