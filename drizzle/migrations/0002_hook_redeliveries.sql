CREATE TABLE "hook_redeliveries" (
	"guid" text PRIMARY KEY NOT NULL,
	"delivery_id" bigint NOT NULL,
	"event" text NOT NULL,
	"action" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"first_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_attempt_at" timestamp with time zone DEFAULT now() NOT NULL
);
