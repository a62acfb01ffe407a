// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.io.IOException;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Whether the program's Log4j 2 API has a provider to write to, found the way Log4j finds one
 * (a {@code org.apache.logging.log4j.spi.Provider} service, or the older
 * {@code META-INF/log4j-provider.properties}, or a logger context factory named by a system
 * property), but without starting Log4j: asking Log4j itself would print its "could not find a
 * logging provider" complaint when there is none.
 */
final class Log4jProviders {
    private Log4jProviders() {}

    static boolean present(ClassLoader cl) {
        if (System.getProperty("log4j2.loggerContextFactory") != null || System.getProperty("log4j.provider") != null
                || System.getProperty("log4j2.provider") != null) {
            return true;
        }
        try {
            Class<?> spi = Class.forName("org.apache.logging.log4j.spi.Provider", false, cl);
            if (ServiceLoader.load(spi, cl).stream().findAny().isPresent()) {
                return true;
            }
        } catch (ClassNotFoundException | LinkageError | ServiceConfigurationError e) {
            // no Log4j API, or a broken service file: look for the older form below
        }
        try {
            return cl != null ? cl.getResources("META-INF/log4j-provider.properties").hasMoreElements()
                    : ClassLoader.getSystemResources("META-INF/log4j-provider.properties").hasMoreElements();
        } catch (IOException e) {
            return false;
        }
    }
}
