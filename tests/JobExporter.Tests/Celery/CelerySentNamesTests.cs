using JobExporter.Celery;

namespace JobExporter.Tests.Celery;

/// <summary>The task names task-sent came for: bounded in count and in what one name keeps.</summary>
public class CelerySentNamesTests
{
    [Test]
    public void Past_its_capacity_new_names_are_not_kept_and_the_kept_ones_stay()
    {
        var names = new CelerySentNames(capacity: 3);
        foreach (var name in new[] { "app.a", "app.b", "app.c", "app.d", "app.a" }) names.Add(name);
        Assert.Multiple(() =>
        {
            Assert.That(names.Count, Is.EqualTo(3));
            Assert.That(names.Contains("app.a") && names.Contains("app.b") && names.Contains("app.c"), Is.True);
            Assert.That(names.Contains("app.d"), Is.False);
        });
    }

    [Test]
    public void A_name_is_found_by_its_text_not_by_the_string_it_came_in()
    {
        var names = new CelerySentNames();
        names.Add(new string("app.report".AsSpan()));
        names.Add("app.other");
        Assert.That(names.Contains(new string("app.report".AsSpan())), Is.True);
        Assert.That(names.Contains("app.reports"), Is.False);
    }

    [Test]
    public void A_long_name_is_kept_by_its_first_characters_only()
    {
        var names = new CelerySentNames();
        var huge = "app." + new string('x', 400_000);
        names.Add(huge);
        Assert.That(names.Contains(new string(huge.AsSpan())), Is.True);
        Assert.That(names.Contains(huge[..CelerySentNames.LongestKey]), Is.True, "what is kept is the first 128 characters");
    }
}
