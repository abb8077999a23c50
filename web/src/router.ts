// Routes and who may open them. Area folders follow the server's module names:
// workbench → cases, hall → queue, dashboard → supervision, admin → org.
import { createRouter, createWebHistory, type RouteLocationRaw } from 'vue-router';
import { AREAS, homePath } from './areas.ts';
import type { MessageKey } from './i18n.ts';
import { can, loadSession, session } from './session.ts';
import LoginPage from './modules/auth/LoginPage.vue';
import RegisterPage from './modules/auth/RegisterPage.vue';
import WorkbenchPage from './modules/cases/WorkbenchPage.vue';
import HotlinePage from './modules/hotline/HotlinePage.vue';
import OrgAdminPage from './modules/org/OrgAdminPage.vue';
import PortalPage from './modules/portal/PortalPage.vue';
import HallPage from './modules/queue/HallPage.vue';
import KioskPage from './modules/queue/KioskPage.vue';
import DisplayPage from './modules/queue/DisplayPage.vue';
import BookingPage from './modules/queue/BookingPage.vue';
import DashboardPage from './modules/supervision/DashboardPage.vue';
import ServiceSearchPage from './modules/catalog/ServiceSearchPage.vue';
import ServiceGuidePage from './modules/catalog/ServiceGuidePage.vue';
import BundleGuidePage from './modules/catalog/BundleGuidePage.vue';
import ForbiddenPage from './shell/ForbiddenPage.vue';
import NotFoundPage from './shell/NotFoundPage.vue';

declare module 'vue-router' {
  interface RouteMeta {
    titleKey?: MessageKey;
    /** Permission needed to open the page; anonymous callers are sent to log in first. */
    permission?: string;
    /** Login and registration make no sense once signed in. */
    isGuestOnly?: boolean;
  }
}

// The hotline workbenches load on first use, so the portal stays small for citizens.
const HotlineIntakePage = () => import('./modules/hotline/IntakePage.vue');
const HotlineInboxPage = () => import('./modules/hotline/InboxPage.vue');
const HotlineReviewPage = () => import('./modules/hotline/ReviewPage.vue');
const HotlineOrderPage = () => import('./modules/hotline/OrderPage.vue');
const HotlineSubmitPage = () => import('./modules/hotline/SubmitPage.vue');
const HotlineTrackPage = () => import('./modules/hotline/TrackPage.vue');
// The catalogue editor is for a few staff: loaded on first use too.
const CatalogEditorPage = () => import('./modules/catalog/CatalogEditorPage.vue');
const CatalogItemPage = () => import('./modules/catalog/CatalogItemPage.vue');
const CatalogVersionPage = () => import('./modules/catalog/CatalogVersionPage.vue');

// Applications (办件): citizens apply and follow their cases; clerks and approvers work the queues.
const CasesApplyPage = () => import('./modules/cases/ApplyPage.vue');
const CasesMinePage = () => import('./modules/cases/MyCasesPage.vue');
const CasesCasePage = () => import('./modules/cases/CasePage.vue');
const CasesIntakePage = () => import('./modules/cases/IntakePage.vue');
const CasesReviewPage = () => import('./modules/cases/ReviewPage.vue');

// 好差评: the tablet, rating links and the public disclosure need no sign-in.
const RatingsTabletPage = () => import('./modules/ratings/TabletPage.vue');
const RatingsRatePage = () => import('./modules/ratings/RatePage.vue');
const RatingsMinePage = () => import('./modules/ratings/MyRatingsPage.vue');
const RatingsPublicPage = () => import('./modules/ratings/DisclosurePage.vue');
const RatingsReviewsPage = () => import('./modules/ratings/ReviewsPage.vue');

const permissionOf = (path: string) => AREAS.find((a) => a.path === path)?.permission;

export const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    { path: '/', redirect: '/portal' },
    { path: '/login', component: LoginPage, meta: { titleKey: 'login.title', isGuestOnly: true } },
    { path: '/register', component: RegisterPage, meta: { titleKey: 'register.title', isGuestOnly: true } },
    { path: '/portal', component: PortalPage, meta: { titleKey: 'portal.title' } },
    {
      path: '/workbench',
      component: WorkbenchPage,
      meta: { titleKey: 'workbench.title', permission: permissionOf('/workbench') },
    },
    { path: '/workbench/intake', component: CasesIntakePage, meta: { titleKey: 'cases.intake.title', permission: 'cases:intake' } },
    { path: '/workbench/review', component: CasesReviewPage, meta: { titleKey: 'cases.review.title', permission: 'cases:review' } },
    { path: '/workbench/apply/bundles/:code', name: 'window-apply-bundle', component: CasesApplyPage, meta: { titleKey: 'cases.intake.title', permission: 'cases:intake' } },
    { path: '/workbench/apply/:code', name: 'window-apply-item', component: CasesApplyPage, meta: { titleKey: 'cases.intake.title', permission: 'cases:intake' } },
    { path: '/workbench/cases/:id', component: CasesCasePage, meta: { titleKey: 'cases.case.pageTitle', permission: 'workbench:use' } },
    { path: '/apply/bundles/:code', name: 'apply-bundle', component: CasesApplyPage, meta: { titleKey: 'cases.apply.pageTitle', permission: 'portal:use' } },
    { path: '/apply/:code', name: 'apply-item', component: CasesApplyPage, meta: { titleKey: 'cases.apply.pageTitle', permission: 'portal:use' } },
    { path: '/my/cases', component: CasesMinePage, meta: { titleKey: 'cases.mine.title', permission: 'portal:use' } },
    { path: '/cases/:id', component: CasesCasePage, meta: { titleKey: 'cases.case.pageTitle', permission: 'portal:use' } },
    { path: '/hotline', component: HotlinePage, meta: { titleKey: 'hotline.title', permission: permissionOf('/hotline') } },
    { path: '/hotline/intake', component: HotlineIntakePage, meta: { titleKey: 'hotline.intake.title', permission: 'hotline:dispatch' } },
    { path: '/hotline/inbox', component: HotlineInboxPage, meta: { titleKey: 'hotline.inbox.title', permission: 'hotline:handle' } },
    { path: '/hotline/review', component: HotlineReviewPage, meta: { titleKey: 'hotline.review.title', permission: 'hotline:dispatch' } },
    { path: '/hotline/orders/:id', component: HotlineOrderPage, meta: { titleKey: 'hotline.title', permission: 'hotline:use' } },
    // Citizens' pages: no sign-in, the API checks number + phone.
    { path: '/hotline/submit', component: HotlineSubmitPage, meta: { titleKey: 'hotline.submit.title' } },
    { path: '/hotline/track', component: HotlineTrackPage, meta: { titleKey: 'hotline.track.title' } },
    { path: '/hall', component: HallPage, meta: { titleKey: 'hall.title', permission: permissionOf('/hall') } },
    { path: '/queue/kiosk', component: KioskPage, meta: { titleKey: 'queue.kiosk.title' } },
    { path: '/queue/display', component: DisplayPage, meta: { titleKey: 'queue.display.title' } },
    { path: '/queue/book', component: BookingPage, meta: { titleKey: 'queue.book.title', permission: 'portal:use' } },
    {
      path: '/dashboard',
      component: DashboardPage,
      meta: { titleKey: 'dashboard.title', permission: permissionOf('/dashboard') },
    },
    { path: '/admin', component: OrgAdminPage, meta: { titleKey: 'admin.title', permission: permissionOf('/admin') } },
    { path: '/catalog', component: CatalogEditorPage, meta: { titleKey: 'catalogEditor.list.title', permission: permissionOf('/catalog') } },
    { path: '/catalog/items/:code', component: CatalogItemPage, meta: { titleKey: 'catalogEditor.list.title', permission: permissionOf('/catalog') } },
    { path: '/catalog/versions/:id', component: CatalogVersionPage, meta: { titleKey: 'catalogEditor.list.title', permission: permissionOf('/catalog') } },
    { path: '/services', component: ServiceSearchPage, meta: { titleKey: 'services.title' } },
    { path: '/services/bundles/:code', component: BundleGuidePage, meta: { titleKey: 'services.title' } },
    { path: '/services/:code', component: ServiceGuidePage, meta: { titleKey: 'services.title' } },
    { path: '/ratings/public', component: RatingsPublicPage, meta: { titleKey: 'ratings.public.title' } },
    { path: '/ratings/tablet', component: RatingsTabletPage, meta: { titleKey: 'ratings.tablet.title' } },
    { path: '/rate/:code', component: RatingsRatePage, meta: { titleKey: 'ratings.rate.title' } },
    { path: '/ratings/mine', component: RatingsMinePage, meta: { titleKey: 'ratings.mine.title', permission: 'portal:use' } },
    // Supervisors (ratings:supervise) and responsible units (ratings:handle); the API scopes the list.
    { path: '/ratings/reviews', component: RatingsReviewsPage, meta: { titleKey: 'ratings.reviews.title', permission: 'ratings:supervise|ratings:handle' } },
    { path: '/ratings', redirect: '/ratings/reviews' },
    { path: '/forbidden', component: ForbiddenPage, meta: { titleKey: 'forbidden.title' } },
    { path: '/:pathMatch(.*)*', component: NotFoundPage, meta: { titleKey: 'notFound.title' } },
  ],
  scrollBehavior: () => ({ top: 0 }),
});

router.beforeEach(async (to): Promise<RouteLocationRaw | true> => {
  await loadSession();
  const { permission, isGuestOnly } = to.meta;
  if (isGuestOnly && session.user) return homePath(session.user);
  if (permission && !session.user) return { path: '/login', query: { redirect: to.fullPath } };
  if (permission && !can(permission)) return { path: '/forbidden', query: { from: to.path } };
  return true;
});
