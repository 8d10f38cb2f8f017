package io.replaylink.deploy;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README.md stays a newcomer's entry: short, no links outside the repository, and every file it names exists (a
 * reference document by its bare name lives under src/site/markdown/).
 */
class ReadmeTest {
    static final Path ROOT = Path.of(System.getProperty("replaylink.projectRoot", ".."));

    @Test
    void readmeIsShortAndEveryPathItNamesExists() throws Exception {
        List<String> lines = Files.readAllLines(ROOT.resolve("README.md"));
        assertThat(lines.size()).as("README lines").isLessThanOrEqualTo(250);
        String text = String.join("\n", lines);
        Matcher links = Pattern.compile("https?://([^/\\s`)]+)").matcher(text);
        while (links.find()) {
            assertThat(links.group(1)).as("a link in README").matches("(127\\.0\\.0\\.1|localhost)(:\\d+|:PORT)?|"
                    + "[0-9a-f]{32}@127\\.0\\.0\\.1:\\d+");
        }
        Matcher paths = Pattern.compile("`((?:config|scripts|src|plugin-spi)/[A-Za-z0-9_./-]*|[a-z-]+\\.md)`")
                .matcher(text);
        int named = 0;
        while (paths.find()) {
            String path = paths.group(1);
            Path file = path.contains("/") ? ROOT.resolve(path) : ROOT.resolve("src/site/markdown").resolve(path);
            assertThat(file).as("named in README: " + path).exists();
            named++;
        }
        assertThat(named).as("paths README names").isGreaterThan(10);
        Matcher targets = Pattern.compile("\\]\\(([^)\\s]+)\\)").matcher(text);
        while (targets.find()) {
            assertThat(ROOT.resolve(targets.group(1))).as("a link or image in README").exists();
        }
    }
}
