import { PrismaClient } from '@prisma/client';

// 24 API pods x connection_limit=10 = 240 connections against max_connections=300.
export const prisma = new PrismaClient();
