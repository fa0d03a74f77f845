CREATE TABLE "approval_callback_nonces" (
	"nonce" text PRIMARY KEY NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approval_endpoints" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"url" text NOT NULL,
	"signing_secret_encrypted" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approval_pushes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"request_id" uuid NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approval_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"project_id" uuid,
	"correlation_id" text NOT NULL,
	"tool" text NOT NULL,
	"action" text NOT NULL,
	"target_key" text NOT NULL,
	"target_ref" jsonb NOT NULL,
	"approval_mode" text NOT NULL,
	"state" text DEFAULT 'requested' NOT NULL,
	"requested_by" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secret_encrypted" text,
	"expires_at" timestamp with time zone NOT NULL,
	"decided_by" text,
	"decision_channel" text,
	"decision_reason" text,
	"decided_at" timestamp with time zone,
	"result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "approval_overrides" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "approval_pushes" ADD CONSTRAINT "approval_pushes_request_id_approval_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."approval_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_pushes" ADD CONSTRAINT "approval_pushes_endpoint_id_approval_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."approval_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_run_id_agent_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."agent_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "approval_pushes_request_endpoint" ON "approval_pushes" USING btree ("request_id","endpoint_id");--> statement-breakpoint
CREATE INDEX "approval_pushes_due" ON "approval_pushes" USING btree ("state","next_attempt_at");--> statement-breakpoint
CREATE UNIQUE INDEX "approval_requests_open_signature" ON "approval_requests" USING btree ("run_id","tool","action","target_key") WHERE "approval_requests"."state" in ('requested', 'approved');--> statement-breakpoint
CREATE INDEX "approval_requests_state_expires" ON "approval_requests" USING btree ("state","expires_at");--> statement-breakpoint
CREATE INDEX "approval_requests_project_created" ON "approval_requests" USING btree ("project_id","created_at" DESC NULLS LAST);