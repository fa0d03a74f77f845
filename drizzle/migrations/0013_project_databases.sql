CREATE TABLE "project_databases" (
	"database_name" text PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"created_by_request" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
