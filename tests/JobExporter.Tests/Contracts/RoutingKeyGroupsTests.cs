using JobExporter.Contracts;

namespace JobExporter.Tests.Contracts;

public class RoutingKeyGroupsTests
{
    private static JobEvent Event(string system, EventType type, string hostname, int n) =>
        new() { Type = type, Id = $"{n}", Ts = n, System = system, Hostname = hostname, Name = "A.B", Queue = "q" };

    private static Dictionary<string, List<string>> Groups(RoutingKeyGroups groups) =>
        groups.ByKey.Where(p => p.Value.Count > 0).ToDictionary(p => RoutingKeys.For(p.Key.System, p.Key.Type, p.Key.Hostname), p => p.Value.Select(e => e.ToJobEvent().Id).ToList());

    [Test]
    public void Each_event_joins_the_group_of_its_system_type_and_host_in_order()
    {
        var groups = new RoutingKeyGroups();
        var events = new List<JobEvent>();
        var n = 0;
        // Interleaved types and hosts, and host names of equal text in new string instances.
        for (var i = 0; i < 30; i++)
        {
            foreach (var type in new[] { EventType.JobSent, EventType.JobStarted, EventType.JobSucceeded })
            {
                events.Add(Event("hangfire", type, i % 3 == 0 ? "h1" : new string("h2".ToCharArray()), n++));
                events.Add(Event(i % 2 == 0 ? "hangfire" : "masstransit", type, "h1", n++));
            }
        }
        foreach (var e in events) groups.Add(new PendingEvent(e));
        var expected = events.GroupBy(e => RoutingKeys.For(e.System, e.Type, e.Hostname)).ToDictionary(g => g.Key, g => g.Select(e => e.Id).ToList());
        Assert.That(Groups(groups), Is.EquivalentTo(expected));
    }

    [Test]
    public void Groups_are_empty_after_a_round_and_follow_new_keys_after_many()
    {
        var groups = new RoutingKeyGroups();
        for (var round = 0; round < 3; round++)
        {
            // 100 hosts: more keys than are kept, so the keys are forgotten between rounds.
            var events = Enumerable.Range(0, 200).Select(i => Event("hangfire", EventType.JobSent, $"h{i % 100}", round * 1000 + i)).ToList();
            foreach (var e in events) groups.Add(new PendingEvent(e));
            var expected = events.GroupBy(e => RoutingKeys.For(e.System, e.Type, e.Hostname)).ToDictionary(g => g.Key, g => g.Select(e => e.Id).ToList());
            Assert.That(Groups(groups), Is.EquivalentTo(expected), $"round {round}");
            groups.Clear();
            Assert.That(Groups(groups), Is.Empty);
        }
    }
}
