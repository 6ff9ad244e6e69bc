using JobExporter.Contracts;
using JobExporter.Transport;

namespace JobExporter.Tests.Contracts;

public class RoutingKeysTests
{
    [Test]
    public void A_routing_key_is_system_type_and_hostname_with_dots_replaced()
    {
        var e = new EventFactory("hangfire", "web-1.prod.example.com").Job(EventType.JobFailed, "A", "q");
        Assert.That(RoutingKeys.For(e), Is.EqualTo("hangfire.job-failed.web-1_prod_example_com"));
        Assert.That(RoutingKeys.ForHost("web-1.prod"), Is.EqualTo("*.*.web-1_prod"));
    }

    [Test]
    public void Every_event_type_has_a_wire_name_that_parses_back()
    {
        foreach (var type in EventTypeNames.All)
        {
            Assert.That(EventTypeNames.TryParse(type.ToWireName(), out var parsed) && parsed == type, type.ToString());
        }
    }

    [Test]
    public void A_redacted_broker_url_keeps_the_user_and_hides_the_password()
    {
        var redacted = BrokerUrls.Redact(new Uri("amqps://svc:s3cr3t@rabbit.internal:5671/prod"));
        Assert.That(redacted, Does.Not.Contain("s3cr3t"));
        Assert.That(redacted, Does.Contain("svc").And.Contain("rabbit.internal:5671/prod"));
    }
}
