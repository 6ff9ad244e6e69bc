using JobExporter.Contracts;

namespace JobExporter.Tests.Contracts;

/// <summary>The emitters' FailoverBrokerUrls: the other nodes of BrokerUrl's cluster.</summary>
public class PublisherFailoverOptionsTests
{
    [Test]
    public void Failover_urls_follow_the_broker_url_and_need_no_setting_by_default()
    {
        var options = new EventPublisherOptions { BrokerUrl = new Uri("amqp://app:pw@rabbit-0/") };
        Assert.That(options.AllBrokerUrls, Is.EqualTo(new[] { new Uri("amqp://app:pw@rabbit-0/") }));
        options.FailoverBrokerUrls.Add(new Uri("amqp://app:pw@rabbit-1/"));
        Assert.That(options.AllBrokerUrls.Select(u => u.Host), Is.EqualTo(new[] { "rabbit-0", "rabbit-1" }));
        Assert.That(options.Problems(), Is.Empty);
    }

    [Test]
    public void A_failover_url_with_other_credentials_is_a_problem_that_shows_no_password()
    {
        var options = new EventPublisherOptions
        {
            BrokerUrl = new Uri("amqp://app:pw-one-s3cret@rabbit-0/"),
            FailoverBrokerUrls = { new Uri("amqp://app:pw-two-s3cret@rabbit-1/") },
        };
        var problem = options.Problems().Single();
        Assert.That(problem, Is.EqualTo("JobExporter:BrokerUrl and FailoverBrokerUrls cannot be one cluster: "
            + "URL 2 of 2 has other credentials than URL 1; every node is reached with the same user and password."));
        Assert.That(problem, Does.Not.Contain("s3cret"));
    }

    [Test]
    public void A_failover_url_on_another_scheme_is_a_problem()
    {
        var options = new EventPublisherOptions
        {
            BrokerUrl = new Uri("amqps://app:pw@rabbit-0/"),
            FailoverBrokerUrls = { new Uri("amqp://app:pw@rabbit-1/") },
        };
        Assert.That(options.Problems(), Has.One.Contains("URL 2 of 2 is amqp:// but URL 1 is amqps://"));
    }
}
