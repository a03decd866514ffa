import { apacheBalancer } from "../balancers/apache.js";
import { haproxyBalancer } from "../balancers/haproxy.js";
import { nginxBalancer } from "../balancers/nginx.js";
import { djangoStack } from "./django.js";
import { expressStack } from "./express.js";
import { flaskStack } from "./flask.js";
import { phpStack } from "./php.js";
import { tomcatStack } from "./tomcat.js";
import type { AppStack, BalancerKind } from "./types.js";

/** App stacks the lab can run, by the `app.kind` scenarios name. */
export const APP_STACKS: ReadonlyMap<string, AppStack> = new Map(
  [expressStack, phpStack, tomcatStack, flaskStack, djangoStack].map((s) => [s.kind, s]),
);

/** Balancers the lab can put in front, by the `balancer.kind` scenarios name. */
export const BALANCERS: ReadonlyMap<string, BalancerKind> = new Map(
  [haproxyBalancer, nginxBalancer, apacheBalancer].map((b) => [b.kind, b]),
);
