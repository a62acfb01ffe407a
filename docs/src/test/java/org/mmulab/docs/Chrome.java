// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Headless Chromium driven through WebDriver (Debian's chromium-driver), 1400 px wide: the browser tests' shared setup. */
final class Chrome {
    private Chrome() {}

    /** Debian's chromium-driver. */
    static final Path CHROMEDRIVER = Paths.get("/usr/bin/chromedriver");

    /** Why the WebDriver tests cannot run here, or null if they can. */
    static String missing() {
        return Files.isExecutable(CHROMEDRIVER) ? null
                : "chromedriver is not installed at " + CHROMEDRIVER + ": apt-get install -y --no-install-recommends chromium-driver "
                        + "(.ci/run installs it)";
    }

    /** A new driver, window 1400 x 1000, its profile in {@code profile}. */
    static ChromeDriver start(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BrowserTest.chromium().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000", "--hide-scrollbars",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        return driver;
    }
}
