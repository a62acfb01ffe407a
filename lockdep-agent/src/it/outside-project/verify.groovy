// SPDX-License-Identifier: GPL-2.0-only
// What the outside project's build must have shown: with the agent (the README's snippet) the
// clean test passes and the lock-order mistake fails with lockdep's report as its message;
// without the agent every test that uses @Lockdep fails, saying how to attach the agent.
import javax.xml.parsers.DocumentBuilderFactory

def outcome = { String dir, String cls, String test ->
    def file = new File(basedir, "target/${dir}/TEST-com.example.dirtylog.${cls}.xml")
    assert file.isFile() : "no report ${file}"
    def doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file)
    def cases = doc.getElementsByTagName('testcase')
    for (int i = 0; i < cases.length; i++) {
        def c = cases.item(i)
        if (c.getAttribute('name') == test) {
            for (String kind : ['failure', 'error']) {
                def f = c.getElementsByTagName(kind)
                if (f.length > 0) {
                    return [kind: kind, message: f.item(0).getAttribute('message')]
                }
            }
            return [kind: 'passed', message: '']
        }
    }
    assert false : "no test ${test} in ${file}"
}

def log = new File(basedir, 'build.log').text
assert log.contains('lockdep-agent: CONFIG_PROVE_LOCKING on (mode=warn') : 'the agent ran in the first test JVM'

def clean = outcome('surefire-reports', 'CleanDirtyLogTest', 'harvestingTheDirtyLogTwiceGivesTheWrittenPagesThenNothing')
assert clean.kind == 'passed' : "clean dirty-log test: ${clean}"

def order = outcome('surefire-reports', 'LockOrderTest', 'takingMmuLockBeforeSlotsLock')
assert order.kind == 'failure' : "lock-order test: ${order}"
assert order.message.startsWith('lockdep reported 2 times during takingMmuLockBeforeSlotsLock():\n') : order.message
assert order.message.contains('BUG: sleeping function called from invalid context') : order.message
assert order.message.contains('[ INFO: possible circular locking dependency detected ]') : order.message
assert order.message.contains('but task is already holding lock:\n (&kvm->mmu_lock)') : order.message
assert order.message.contains('-> #1 (&kvm->mmu_lock)') : 'the dependency chain: ' + order.message
assert order.message.contains('1 lock held by main/') : 'the held locks: ' + order.message
assert order.message.contains('com.example.dirtylog.LockOrderTest.harvestThenInvert(LockOrderTest.java:') : order.message
assert !order.message.contains('org.junit.') && !order.message.contains('surefire') : 'trimmed: ' + order.message

def negative = outcome('surefire-reports', 'LockOrderTest', 'takingMmuLockBeforeSlotsLockOnPurpose')
assert negative.kind == 'passed' : "negative test: ${negative}"
assert outcome('surefire-reports', 'NoLeakTest', 'neitherByteBuddyNorAsmIsOnTheTestClassPath').kind == 'passed'

[['CleanDirtyLogTest', 'harvestingTheDirtyLogTwiceGivesTheWrittenPagesThenNothing'],
 ['LockOrderTest', 'takingMmuLockBeforeSlotsLock'],
 ['LockOrderTest', 'takingMmuLockBeforeSlotsLockOnPurpose']].each { cls, test ->
    def r = outcome('surefire-reports-without-agent', cls, test)
    assert r.kind == 'failure' : "${test} without the agent: ${r}"
    assert r.message.startsWith('LockdepExtension: the lockdep agent is not attached, so nothing is checked: start the test JVM with -javaagent:') : r.message
    assert r.message.contains('lockdep-agent') && !r.message.contains('\n') : r.message
}
return true
