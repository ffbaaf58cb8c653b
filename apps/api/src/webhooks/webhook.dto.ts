import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, IsUrl, IsUUID, Length } from 'class-validator';
import { NotBlank } from '../common/instant.js';
import { LowerCaseUuid } from '../common/uuid-field.js';

export class CreateWebhookDto {
  @ApiProperty({ format: 'uuid' }) @LowerCaseUuid() @IsUUID() agencyId: string;
  @ApiProperty({
    example: 'https://chat.agency.gov.tw/hooks/ir',
    description: 'https, on a public address; http or a private, loopback or link-local address only when WEBHOOK_ALLOWED_HOSTS allows it',
  })
  @IsUrl({ protocols: ['https', 'http'], require_protocol: true, require_tld: false }, { message: 'url must be an http(s) URL' })
  @Length(1, 2000)
  url: string;
  @ApiProperty() @IsString() @NotBlank() @Length(1, 500) description: string;
}

export class UpdateWebhookDto {
  @ApiProperty({ description: 'false stops every delivery to it at once; true checks the URL again' }) @IsBoolean() enabled: boolean;
}

export class ListWebhooksQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @LowerCaseUuid() @IsUUID() agencyId?: string;
}
