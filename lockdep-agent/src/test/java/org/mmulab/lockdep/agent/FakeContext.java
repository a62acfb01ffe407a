// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A minimal ExtensionContext for driving an extension by hand: a display name and one store. */
final class FakeContext {
    private FakeContext() {}

    static ExtensionContext create(String displayName) {
        Map<Object, Object> values = new HashMap<>();
        ExtensionContext.Store store = (ExtensionContext.Store) Proxy.newProxyInstance(FakeContext.class.getClassLoader(),
                new Class<?>[] {ExtensionContext.Store.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "put":
                            values.put(args[0], args[1]);
                            return null;
                        case "remove":
                            Object v = values.remove(args[0]);
                            return args.length > 1 ? ((Class<?>) args[1]).cast(v) : v;
                        case "get":
                            Object g = values.get(args[0]);
                            return args.length > 1 ? ((Class<?>) args[1]).cast(g) : g;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
        return (ExtensionContext) Proxy.newProxyInstance(FakeContext.class.getClassLoader(),
                new Class<?>[] {ExtensionContext.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getDisplayName":
                            return displayName;
                        case "getStore":
                            return store;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }
}
