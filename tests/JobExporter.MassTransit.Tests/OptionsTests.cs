using JobExporter.Contracts;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace JobExporter.MassTransit.Tests;

/// <summary>How the emitter's settings are read, defaulted and checked.</summary>
[TestFixture]
public sealed class OptionsTests
{
    [Test]
    public void Every_setting_has_its_documented_default()
    {
        var options = new JobExporterMassTransitOptions();
        Assert.Multiple(() =>
        {
            Assert.That(options.BrokerUrl, Is.Null);
            Assert.That(options.Exchange, Is.EqualTo("jobs.events"));
            Assert.That(options.HeartbeatInterval, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(options.BufferCapacity, Is.EqualTo(50_000));
            Assert.That(options.BatchDelay, Is.EqualTo(TimeSpan.FromMilliseconds(100)));
            Assert.That(options.EffectiveHostname, Is.EqualTo(Environment.MachineName));
        });
    }

    [Test]
    public void Settings_are_read_from_the_JobExporter_section_and_the_callback_has_the_last_word()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["JobExporter:BrokerUrl"] = "amqp://events:secret@events-broker:5672/",
            ["JobExporter:Exchange"] = "custom.events",
            ["JobExporter:Hostname"] = "worker-7",
            ["JobExporter:HeartbeatInterval"] = "00:00:03",
            ["JobExporter:BufferCapacity"] = "50",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddMassTransit(x => x.AddJobExporter(o => o.BufferCapacity = 60));

        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<JobExporterMassTransitOptions>>().Value;

        Assert.Multiple(() =>
        {
            Assert.That(options.BrokerUrl, Is.EqualTo(new Uri("amqp://events:secret@events-broker:5672/")));
            Assert.That(options.Exchange, Is.EqualTo("custom.events"));
            Assert.That(options.EffectiveHostname, Is.EqualTo("worker-7"));
            Assert.That(options.HeartbeatInterval, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(options.BufferCapacity, Is.EqualTo(60));
        });
    }

    [Test]
    public void A_missing_broker_url_stops_the_start_with_a_message_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddJobExporterMassTransit();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<JobExporterMassTransitOptions>>().Value.ToString());
        Assert.That(error!.Message, Does.Contain("JobExporter:BrokerUrl is required"));
    }

    [Test]
    public void Every_bad_setting_is_named_at_once()
    {
        var services = new ServiceCollection();
        services.AddJobExporterMassTransit(o =>
        {
            o.BrokerUrl = new Uri("http://localhost:15672/");
            o.Exchange = " ";
            o.HeartbeatInterval = TimeSpan.Zero;
            o.BufferCapacity = 0;
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<JobExporterMassTransitOptions>>().Value.ToString());
        Assert.That(error!.Failures, Has.Exactly(4).Items);
        Assert.That(error.Message, Does.Contain("amqp://").And.Contain("Exchange").And.Contain("HeartbeatInterval").And.Contain("BufferCapacity"));
    }

    [Test]
    public void Adding_the_emitter_twice_registers_its_observers_once()
    {
        var services = new ServiceCollection();
        services.AddJobExporterMassTransit(o => o.BrokerUrl = new Uri("amqp://localhost/"));
        services.AddJobExporterMassTransit(o => o.Hostname = "again");

        Assert.That(services.Count(d => d.ServiceType == typeof(JobEmitter)), Is.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(IConfigureReceiveEndpoint)), Is.EqualTo(1));
    }

    [Test]
    public void Adding_the_emitter_twice_is_fine_and_its_options_are_validated_once_when_the_host_starts()
    {
        using var host = new HostBuilder().ConfigureServices(services =>
        {
            services.AddJobExporterMassTransit(o => o.BrokerUrl = new Uri("amqp://localhost/"));
            services.AddJobExporterMassTransit(o => o.HeartbeatInterval = TimeSpan.Zero);
        }).Build();

        // Nothing else reads the options before a bus starts: only the check at start stops this host.
        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.That(error!.Failures, Has.Exactly(1).Items.Contains("HeartbeatInterval"), "the second call's setting, checked once");
    }

    [Test]
    public void The_system_label_is_masstransit() => Assert.That(JobEmitter.SystemName, Is.EqualTo("masstransit"));

    [Test]
    public void Queue_names_come_from_the_last_segment_of_an_address()
    {
        Assert.Multiple(() =>
        {
            Assert.That(QueueNames.Of(new Uri("rabbitmq://localhost/vhost/orders?durable=true")), Is.EqualTo("orders"));
            Assert.That(QueueNames.Of(new Uri("rabbitmq://127.0.0.1:5672/orders")), Is.EqualTo("orders"));
            Assert.That(QueueNames.Of(new Uri("queue:orders")), Is.EqualTo("orders"));
            Assert.That(QueueNames.Of(null), Is.EqualTo("unknown"));
            Assert.That(TypeNames.Of(typeof(Dictionary<string, int>)), Is.EqualTo("Dictionary<String,Int32>"));
            Assert.That(TypeNames.FromUrn("urn:message:Shop.Orders:PlaceOrder"), Is.EqualTo("PlaceOrder"));
            Assert.That(TypeNames.FromShortName("Shop.Orders.PlaceOrderConsumer"), Is.EqualTo("PlaceOrderConsumer"));
            Assert.That(EventDefaults.ExchangeName, Is.EqualTo(new JobExporterMassTransitOptions().Exchange));
        });
    }
}
