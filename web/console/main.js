// The console: sign-in, the layout, the role's sections and a hash router.
// Each page speaks only the public API; the sections a role sees are the
// ones the API lets it use.

import { html, render, useEffect, useState } from '/vendor/preact.js';
import { login, logout, onSession, onSessionEnded, currentSession, get } from './api.js';
import { t, setLang, language } from './i18n.js';
import { ErrorBox, Input, useAction } from './ui.js';
import { FormsPage } from './forms.js';
import { EditorPage } from './editor.js';
import { ReviewPage, SubmissionPage } from './review.js';
import { ExportsPage } from './exports.js';
import { IndicatorsPage } from './indicators.js';
import { UsersPage } from './users.js';
import { WebhooksPage } from './webhooks.js';
import { AuditPage } from './audit.js';
import { PlanPage, ReportPage, TargetsPage } from './plan.js';

/** The sections each role may open, in menu order (the API's rules). */
export const sections = {
  designer: ['forms'],
  supervisor: ['review', 'indicators'],
  manager: ['indicators', 'targets', 'review', 'exports', 'webhooks'],
  admin: ['users', 'forms', 'review', 'exports', 'indicators', 'targets', 'webhooks', 'audit'],
  collector: [],
};

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] || '', args: parts.slice(1) };
}

function SignIn({ notice }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const act = useAction();
  const submit = (e) => {
    e.preventDefault();
    act.run(() => login(username.trim(), password));
  };
  return html`<main id="main" class="signin">
    <h1>${t('app')}</h1>
    <form onSubmit=${submit} class="card">
      <${Input} label=${t('username')} name="username" value=${username} onInput=${setUsername} required autocomplete="username" />
      <${Input} label=${t('password')} name="password" type="password" value=${password} onInput=${setPassword} required autocomplete="current-password" />
      <${ErrorBox} error=${act.error} />
      <button type="submit" class="primary" disabled=${act.busy}>${t('signIn')}</button>
      <p class="notice" role="status">${notice || ''}</p>
    </form>
  </main>`;
}

function LangSwitch({ onChange }) {
  const other = language() === 'vi' ? 'en' : 'vi';
  return html`<button type="button" class="lang" lang=${other} onClick=${() => { setLang(other); onChange(); }}
    aria-label=${t('lang') + ': ' + (other === 'en' ? 'English' : 'Tiếng Việt')}>${other === 'en' ? 'English' : 'Tiếng Việt'}</button>`;
}

function Page({ page, args, user }) {
  switch (page) {
    case 'forms': return args[0] ? html`<${EditorPage} form=${args[0]} user=${user} />` : html`<${FormsPage} user=${user} />`;
    case 'review': return args[1] ? html`<${SubmissionPage} form=${args[0]} id=${args[1]} user=${user} />` : html`<${ReviewPage} user=${user} form=${args[0]} />`;
    case 'exports': return html`<${ExportsPage} user=${user} />`;
    // The plan (dashboard, status view, reports) lives under Indicators:
    // whoever reads the indicators reads the plan's numbers.
    case 'indicators':
      if (args[0] === 'plan') return html`<${PlanPage} user=${user} args=${args.slice(1)} />`;
      if (args[0] === 'report') return html`<${ReportPage} user=${user} period=${args[1]} unit=${args[2]} />`;
      return html`<${IndicatorsPage} user=${user} />`;
    case 'users': return html`<${UsersPage} user=${user} />`;
    case 'webhooks': return html`<${WebhooksPage} user=${user} />`;
    case 'audit': return html`<${AuditPage} user=${user} />`;
    case 'targets': return html`<${TargetsPage} user=${user} />`;
  }
  return null;
}

function Shell({ user, rerender, signOut }) {
  const [r, setR] = useState(route());
  useEffect(() => {
    const f = () => setR((prev) => {
      const next = route();
      return next.page === prev.page && next.args.join('/') === prev.args.join('/') ? prev : next;
    });
    addEventListener('hashchange', f);
    f(); // a route followed between the first render and this effect
    return () => removeEventListener('hashchange', f);
  }, []);
  const allowed = sections[user.role] || [];
  // The default section, unless a route was chosen since this render (the
  // effect runs after paint; a link followed in between must win).
  useEffect(() => {
    if (!r.page && !route().page && allowed.length) location.replace('#/' + allowed[0]);
  }, [r.page]);
  const page = allowed.includes(r.page) ? r.page : '';
  useEffect(() => {
    document.title = (page ? t('pages.' + page) + ' · ' : '') + t('app');
  });
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>${t('skip')}</a>
    <header class="top">
      <span class="brand">${t('app')}</span>
      <nav aria-label=${t('nav')}>
        <ul>${allowed.map((p) => html`<li><a href=${'#/' + p} aria-current=${p === page ? 'page' : undefined}>${t('pages.' + p)}</a></li>`)}</ul>
      </nav>
      <span class="who">${t('signedInAs', user.display_name || user.username, t('roles.' + user.role))}</span>
      <${LangSwitch} onChange=${rerender} />
      <button type="button" onClick=${signOut}>${t('signOut')}</button>
    </header>
    <main id="main" tabindex="-1">
      ${allowed.length === 0 && html`<h1>${t('app')}</h1><p>${t('collectorNoConsole')}</p><p><a href="/">${t('openPhoneApp')}</a></p>`}
      ${allowed.length > 0 && r.page && !page && html`<h1>${t('app')}</h1><p role="alert">${t('notAllowed')}</p>`}
      ${page && html`<${Page} key=${[page, ...r.args, language()].join('/')} page=${page} args=${r.args} user=${user} />`}
    </main>`;
}

function App() {
  const [s, setS] = useState(currentSession());
  const [, setTick] = useState(0);
  const rerender = () => setTick((n) => n + 1);
  const [user, setUser] = useState(null);
  const [notice, setNotice] = useState('');
  useEffect(() => onSession((n) => setS(n)), []);
  useEffect(() => onSessionEnded(() => setNotice(t('sessionEnded'))), []);
  // The sign-in page says so once the server has ended the session.
  const signOut = () => logout().then(() => setNotice(t('signedOut')));
  useEffect(() => {
    if (!s) {
      setUser(null);
      return;
    }
    // The account may have changed since the session began (role, units).
    get('/api/v1/me').then(setUser).catch(() => setUser(s.user));
  }, [s && s.user && s.user.id]);
  if (!s) {
    return html`<header class="top"><span class="brand">${t('app')}</span><${LangSwitch} onChange=${rerender} /></header><${SignIn} notice=${notice} />`;
  }
  if (!user) return html`<p class="muted" role="status">${t('loading')}</p>`;
  return html`<${Shell} user=${user} rerender=${rerender} signOut=${signOut} />`;
}

render(html`<${App} />`, document.getElementById('app'));
