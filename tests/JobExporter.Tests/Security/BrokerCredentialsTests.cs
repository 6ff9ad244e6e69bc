using JobExporter.Broker;
using JobExporter.Configuration;
using JobExporter.Testing;

namespace JobExporter.Tests.Security;

public class BrokerCredentialsTests
{
    private const string Password = "pa55-Zebra-7f3c";

    private static ExporterOptions Read(IReadOnlyList<string> args, Dictionary<string, string?>? env = null) =>
        OptionsReader.Read(FlagValues.Read(args, env ?? new Dictionary<string, string?>()), "h");

    private static string FlagProblem(IReadOnlyList<string> args, Dictionary<string, string?>? env = null) =>
        Assert.Throws<FlagException>(() => Read(args, env))!.Message;

    [Test]
    public void The_password_file_replaces_the_password_of_the_url_without_its_final_newline()
    {
        using var folder = new TempFolder("secret");
        File.WriteAllText(folder.File("password"), Password + "\n");
        var options = Read(["--broker.url", "amqp://exporter:placeholder@rabbit:5672/jobs", "--broker.password-file", folder.File("password")]);
        var factory = BrokerConnections.Factory(options, "test");
        Assert.That(factory.UserName, Is.EqualTo("exporter"));
        Assert.That(factory.Password, Is.EqualTo(Password));
        Assert.That(factory.VirtualHost, Is.EqualTo("jobs"));
    }

    [Test]
    public void The_password_can_come_from_the_environment()
    {
        var options = Read(["--broker.url", "amqp://exporter@rabbit/"], new() { ["JOBEXPORTER_BROKER_PASSWORD"] = Password });
        Assert.That(BrokerConnections.Factory(options, "test").Password, Is.EqualTo(Password));
    }

    [Test]
    public void Without_a_password_flag_the_url_password_is_used()
    {
        Assert.That(BrokerConnections.Factory(Read(["--broker.url", "amqp://u:from-url@rabbit/"]), "test").Password, Is.EqualTo("from-url"));
    }

    [Test]
    public void The_password_flag_is_refused_on_the_command_line_without_repeating_it()
    {
        var problem = FlagProblem(["--broker.password", Password]);
        Assert.That(problem, Is.EqualTo("--broker.password is read from the environment only (JOBEXPORTER_BROKER_PASSWORD), never from the command line"));
        Assert.That(FlagProblem([$"--broker.password={Password}"]), Does.Not.Contain(Password));
    }

    [Test]
    public void A_password_file_and_a_password_in_the_environment_together_are_refused()
    {
        using var folder = new TempFolder("secret");
        File.WriteAllText(folder.File("password"), Password);
        Assert.That(FlagProblem(["--broker.password-file", folder.File("password")], new() { ["JOBEXPORTER_BROKER_PASSWORD"] = "x" }),
            Is.EqualTo("--broker.password-file and JOBEXPORTER_BROKER_PASSWORD are both set; use one"));
    }

    [Test]
    public void An_empty_or_missing_password_file_is_a_bad_flag()
    {
        using var folder = new TempFolder("secret");
        File.WriteAllText(folder.File("empty"), "\n");
        Assert.That(FlagProblem(["--broker.password-file", folder.File("empty")]), Does.EndWith("is empty"));
        Assert.That(FlagProblem(["--broker.password-file", folder.File("nope")]), Does.Contain("cannot be read"));
    }

    [Test]
    public void The_password_prints_as_stars_in_the_options()
    {
        var options = Read([], new() { ["JOBEXPORTER_BROKER_PASSWORD"] = Password });
        Assert.That(options.BrokerPassword!.ToString(), Is.EqualTo("***"));
        Assert.That(options.ToString(), Does.Not.Contain(Password));
    }

    [Test]
    public void Help_names_the_password_variable_but_offers_no_command_line_flag_for_it()
    {
        var help = HelpText.Render();
        Assert.That(help, Does.Contain("JOBEXPORTER_BROKER_PASSWORD=VALUE (environment only)"));
        Assert.That(help, Does.Not.Contain("--broker.password=VALUE"));
        Assert.That(help, Does.Contain("--broker.password-file=VALUE"));
    }

    [Test]
    public void A_url_from_the_command_line_is_told_apart_from_one_from_the_environment()
    {
        var env = new Dictionary<string, string?> { ["JOBEXPORTER_BROKER_URL"] = "amqp://u:p@h/" };
        Assert.That(FlagValues.Read([], env).IsFromCommandLine(Flags.BrokerUrl), Is.False);
        Assert.That(FlagValues.Read(["--broker.url", "amqp://u:p@h/"], env).IsFromCommandLine(Flags.BrokerUrl), Is.True);
    }
}
