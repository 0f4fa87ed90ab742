"""The public pages in a real browser under their Content-Security-Policy (bot/security.py): the web
chat at /chat runs its own script and style and talks to /api/chat, and /pengumuman is styled by
its own stylesheet, with no violation reported; an inline script is blocked, so the policy is
really enforced."""
from __future__ import annotations

# every violation the page reports, kept where the test can read it (an init script is not subject to the page's CSP)
_RECORD = """window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"""
_INLINE = """() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1';
  document.body.appendChild(s); return window.__inline === 1; }"""


def _violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def test_the_web_chat_works_under_its_policy(live, page):
    page.add_init_script(_RECORD)
    page.goto(live.url + "/chat")
    page.fill("#chat-input", "menu")
    page.press("#chat-input", "Enter")
    page.wait_for_selector(".bubble.bot:not(.error)")
    page.wait_for_selector(".choices button")
    assert page.eval_on_selector(".header", "e => getComputedStyle(e).backgroundColor") == "rgb(11, 93, 75)"
    assert _violations(page) == []
    assert page.evaluate(_INLINE) is False  # an injected inline script does not run
    assert any(v.startswith("script-src") for v in _violations(page))


def test_the_announcement_archive_is_styled_by_its_own_stylesheet(live, page):
    page.add_init_script(_RECORD)
    page.goto(live.url + "/pengumuman")
    assert page.eval_on_selector("h1", "e => getComputedStyle(e).color") == "rgb(11, 93, 70)"
    assert _violations(page) == []
